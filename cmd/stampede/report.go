package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/stampede-sio/stampede/reports"
)

var reportUsage = `Usage: stampede report merge RECORD.json... [--out FILE] [--quiet] [--allow-partial]

Works on the JSON records of stampede run (--out).

  merge   merges the records of one run's segments (stampede run --segment
          i/n on n machines) into the record of the whole run: counters and
          histograms add up exactly, the per-second series line up by second,
          and the scenario's thresholds are evaluated again over the whole.
          Prints its summary and exits as stampede run would: 0 when every
          threshold held, 1 when one failed, 2 when the records cannot be
          read or do not belong together (another scenario, a segment twice),
          and 2 when a segment is missing (1/2 without 2/2): a CI job whose
          second machine died must not pass. --allow-partial merges them
          anyway and marks the record partial: the summary's first line
          names the missing segments, the JSON has "partial": true and
          "missing_segments".

Flags (before or after the records):
  --out FILE   write the merged record to FILE
  --quiet      no summary on stdout
  --allow-partial
               merge an incomplete set of segments, marked partial

Examples:
  stampede run room-fanout --segment 1/2 --out part-1.json   # on machine A
  stampede run room-fanout --segment 2/2 --out part-2.json   # on machine B
  stampede report merge part-1.json part-2.json --out room-fanout.json
`

var reportCommand = command{
	summary: "work on run records: merge the segments of a run",
	usage:   reportUsage,
	run:     runReport,
}

func runReport(_ context.Context, e env, args []string) int {
	if len(args) == 0 || args[0] != "merge" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(e.stdout, reportUsage)
			return exitOK
		}
		what := "want a subcommand"
		if len(args) > 0 {
			what = fmt.Sprintf("unknown subcommand %q", args[0])
		}
		fmt.Fprintf(e.stderr, "stampede report: %s\n\n%s", what, reportUsage)
		return exitUsage
	}
	return runMerge(e, args[1:])
}

func runMerge(e env, args []string) int {
	fs := flag.NewFlagSet("report merge", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f runFlags
	fs.StringVar(&f.out, "out", "", "")
	fs.BoolVar(&f.quiet, "quiet", false, "")
	allowPartial := fs.Bool("allow-partial", false, "")
	paths, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(e.stdout, reportUsage)
		return exitOK
	}
	if err == nil && len(paths) == 0 {
		err = errors.New("want the records to merge")
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "stampede report merge: %v\n", err)
		return exitUsage
	}
	runs := make([]*reports.Run, len(paths))
	for i, p := range paths {
		if runs[i], err = reports.ReadRunFile(p); err != nil {
			fmt.Fprintf(e.stderr, "stampede report merge: %s: %v\n", p, err)
			return exitUsage
		}
	}
	merged, err := reports.MergeRuns(runs...)
	if err != nil {
		fmt.Fprintf(e.stderr, "stampede report merge: %v\n", err)
		return exitUsage
	}
	missing := reports.MissingSegments(runs...)
	if len(missing) > 0 && !*allowPartial {
		fmt.Fprintf(e.stderr, "stampede report merge: segments %s missing: the records are part of a run; merge them all, or pass --allow-partial to merge these, marked partial\n", segmentList(missing))
		return exitUsage
	}
	if len(missing) > 0 {
		merged.Partial, merged.Missing = true, missing
		fmt.Fprintf(e.stderr, "stampede report merge: warning: segments %s missing: the merged record is partial\n", segmentList(missing))
	}
	if code := finishRun(e, "stampede report merge", f, merged); code != exitInterrupted {
		return code
	}
	return thresholdsCode(merged) // a segment was interrupted, not the merge
}

// segmentList names segments as "2/3, 3/3".
func segmentList(segs []reports.Segment) string {
	names := make([]string, len(segs))
	for i, s := range segs {
		names[i] = s.String()
	}
	return strings.Join(names, ", ")
}
