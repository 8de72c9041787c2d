package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/stampede-sio/stampede/reports"
)

var reportUsage = `Usage: stampede report RECORD.json [--format text|json|html|markdown] [-o|--out FILE]
       stampede report compare A.json B.json [C.json...] [--format text|markdown|html|json]
                               [-o|--out FILE] [--fail-if 'METRIC > +10%']...
       stampede report merge RECORD.json... [-o|--out FILE] [--quiet] [--allow-partial]

Works on the JSON records of stampede run (--out) and stampede check (--json).

  RECORD.json  renders the record: text (the summary run and check print),
          json (the record again), markdown (a summary table to paste into a
          pull request) or html (one self-contained page with plots, nothing
          fetched from the network). The format defaults to the extension of
          --out (.html, .md, .json), else text. Writes to stdout without
          --out. Exits 0 when it wrote the report, 2 when it could not.

  compare lays run records side by side, the first the baseline: every
          timer's p50, p90, p99 and max (per event, and over all events),
          connections, messages per second, errors by kind, error_rate,
          generator lag and dropped starts, the servers' scraped CPU and
          memory, and each phase's latencies, with every later record's
          difference and ratio to the first. text (tables), markdown (p50
          and p99, phases and details folded, to paste into a pull-request
          comment), json, or
          html (one page with the HDR distributions and the series of every
          record overlaid). --fail-if RULE, repeatable, checks every later
          record against the first: a threshold's metric and tags (as
          scenarios write thresholds) with a change, relative in percent
          or absolute in the metric's unit:
            'push_p99{event:events:channel} > +10%'   p99 grew over 10%
            'messages_received_rate < -5%'           throughput fell over 5%
            'ack_p99 > +20ms'                        p99 grew over 20ms
            'errors > +0'                            any more errors
          A metric missing from a record breaks the rule (it cannot be
          checked). Exits 0 when every rule held, 1 when one broke (the
          message names the rule, the record and the change), 2 when the
          records cannot be read or a rule cannot be parsed.

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
  --format F   report and compare: text, json, html or markdown
  --fail-if RULE
               compare: fail (exit 1) when a later record's change breaks RULE
  -o, --out FILE
               report, compare: write the report to FILE; merge: the merged record
  --quiet      merge: no summary on stdout
  --allow-partial
               merge: merge an incomplete set of segments, marked partial

Examples:
  stampede run chat-stream --out chat.json
  stampede report chat.json -o chat.html
  stampede report chat.json --format markdown >> pr-comment.md
  stampede check --target http://127.0.0.1:8080 --json check.json && stampede report check.json -o check.html
  stampede report compare main.json pr.json --format markdown --fail-if 'push_p99 > +10%' > pr-comment.md
  stampede run room-fanout --segment 1/2 --out part-1.json   # on machine A
  stampede run room-fanout --segment 2/2 --out part-2.json   # on machine B
  stampede report merge part-1.json part-2.json --out room-fanout.json
`

var reportCommand = command{
	summary: "render run and check records (text, JSON, Markdown, HTML); compare runs; merge the segments of a run",
	usage:   reportUsage,
	runE:    runReport,
}

func runReport(_ context.Context, e env, args []string) error {
	if len(args) > 0 && args[0] == "merge" {
		return runMerge(e, args[1:])
	}
	if len(args) > 0 && args[0] == "compare" {
		if err := compareReport(e, args[1:]); err != nil {
			return fmt.Errorf("compare: %w", err)
		}
		return nil
	}
	return renderReport(e, args)
}

// renderReport is stampede report RECORD.json: one record in one format.
func renderReport(e env, args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var format, out string
	fs.StringVar(&format, "format", "", "")
	fs.StringVar(&out, "out", "", "")
	fs.StringVar(&out, "o", "", "")
	paths, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) || (err == nil && len(paths) == 1 && paths[0] == "help") {
		fmt.Fprint(e.stdout, reportUsage)
		return nil
	}
	if format == "" {
		format = cmp.Or(reports.FormatOf(out), reports.FormatText)
	}
	switch {
	case err != nil:
	case len(paths) != 1:
		err = fmt.Errorf("want one record, got %d arguments", len(paths))
	case !slices.Contains(reports.Formats, format):
		err = fmt.Errorf("--format %q: want one of %s", format, strings.Join(reports.Formats, ", "))
	}
	if err != nil {
		return usagef("%v\n\n%s", err, strings.TrimSuffix(reportUsage, "\n"))
	}
	rec, err := reports.ReadRecordFile(paths[0])
	if err == nil {
		err = writeReport(e.stdout, out, func(w io.Writer) error { return rec.Write(w, format) })
	}
	if err != nil {
		return fmt.Errorf("%s: %w", paths[0], err)
	}
	return nil
}

// writeReport writes to the file at path, or to stdout when path is "".
func writeReport(stdout io.Writer, path string, write func(io.Writer) error) error {
	if path == "" {
		return write(stdout)
	}
	return writeFile(path, write)
}

// runMerge is stampede report merge; its errors are printed after
// "stampede report" (main), so they name the merge.
func runMerge(e env, args []string) error {
	fs := flag.NewFlagSet("report merge", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f runFlags
	fs.StringVar(&f.out, "out", "", "")
	fs.StringVar(&f.out, "o", "", "")
	fs.BoolVar(&f.quiet, "quiet", false, "")
	allowPartial := fs.Bool("allow-partial", false, "")
	paths, err := parseInterleaved(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(e.stdout, reportUsage)
		return nil
	case err != nil:
		return usagef("merge: %v", err)
	case len(paths) == 0:
		return usagef("merge: want the records to merge")
	}
	runs := make([]*reports.Run, len(paths))
	for i, p := range paths {
		if runs[i], err = reports.ReadRunFile(p); err != nil {
			return fmt.Errorf("merge: %s: %w", p, err)
		}
	}
	merged, err := reports.MergeRuns(runs...)
	if err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	missing := reports.MissingSegments(runs...)
	if len(missing) > 0 && !*allowPartial {
		return usagef("merge: segments %s missing: the records are part of a run; merge them all, or pass --allow-partial to merge these, marked partial", segmentList(missing))
	}
	if len(missing) > 0 {
		merged.Partial, merged.Missing = true, missing
		fmt.Fprintf(e.stderr, "stampede report merge: warning: segments %s missing: the merged record is partial\n", segmentList(missing))
	}
	if err := writeRun(e, "stampede report merge", f, merged); err != nil {
		return err
	}
	if merged.Interrupted { // a segment was, not the merge: the thresholds judge what it measured
		return thresholdsVerdict(merged)
	}
	return runVerdict(merged)
}

// segmentList names segments as "2/3, 3/3".
func segmentList(segs []reports.Segment) string {
	names := make([]string, len(segs))
	for i, s := range segs {
		names[i] = s.String()
	}
	return strings.Join(names, ", ")
}
