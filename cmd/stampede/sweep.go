package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/stampede-sio/stampede/campaign"
	"github.com/stampede-sio/stampede/reports"
)

var sweepUsage = `Usage: stampede sweep SCENARIO|NAME --vary KEY=V1,V2[,...]... [flags]

Runs the scenario once per combination of the varied settings (--repeat
times each), each run on a fresh managed refserver with --serve, and prints
one comparison table on stdout: a row per combination, the varied values as
given, then what each run measured (repeated runs as ranges low–high; >
marks a lower bound). With --out DIR it also writes sweep.txt, sweep.md,
sweep.html (plots of each figure against the varied settings), sweep.json
and every run's record (run-NN.json).

Keys are scenario fields by their --set path (client.heartbeat,
phases.0.rate, vars.room) and server settings as server.<serve flag
without dashes, - as _> (server.ping_interval, server.ping_timeout,
server.heartbeat_interval), which need --serve.

Built-in sweeps (a NAME without --vary): ` + strings.Join(slices.Sorted(maps.Keys(campaign.BuiltinSweeps)), ", ") + `
  ping-settings  server ping interval × ping timeout × client heartbeat →
                 server CPU and RSS per 1,000 clients, bytes per client per
                 minute, and how long a client that vanishes without closing
                 TCP stays connected and counted (8 runs of 18s; implies --serve)

Exit codes: 0 every run held its thresholds, 1 a run failed one or did not
run, 2 could not start (bad flags, scenario or --vary), 3 interrupted (the
table so far is still printed and written).

Flags:
  --vary KEY=V1,V2,...    a setting and its values, repeatable (the first
                          varies slowest)
  --repeat N              runs per combination (default 1)
  --vus N, --duration D   size each run, as stampede run does
  --set key=value         a scenario field every run has, repeatable
  --serve                 each run on a fresh refserver of this binary, with the
                          run's server.* settings
  --serve-arg FLAG=VALUE  a flag of every managed server, repeatable
  --sessions-per-process N
                          most clients per managed server process before it
                          runs as ⌈peak/N⌉ processes over Redis (default 15000)
  --clients-per-worker N  most clients per process of the generator before a
                          run is split over ⌈peak/N⌉ worker processes, as
                          stampede run splits it (default 15000)
  --target URL            run against this server instead (client keys only)
  --secret S              token key [WEBUI_SECRET_KEY, else serve's generated key;
                          with --serve and none, a random key]
  --out DIR               write the reports and every run's record into DIR
  --seed N                seed of the clients' random choices (default 0)

Examples:
  stampede sweep ping-settings --out ping-sweep
  stampede sweep heartbeat-load --serve --vary server.ping_interval=5s,25s --vary client.heartbeat=5s,30s --vus 500
  stampede sweep room-fanout --target http://127.0.0.1:8080 --vary vars.room=c0001,c0002 --repeat 3
`

var sweepCommand = command{
	summary: "run a scenario over combinations of settings and compare",
	usage:   sweepUsage,
	runE:    runSweep,
}

type sweepFlags struct {
	campaignFlags
	vary   []string
	repeat int
}

func runSweep(ctx context.Context, e env, args []string) error {
	f, scenarioArg, err := parseSweepFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(e.stdout, sweepUsage)
		return err
	}
	if err != nil {
		return err
	}
	varies, builtin, err := sweepVaries(&f, scenarioArg)
	if err != nil {
		return err
	}
	if builtin != nil {
		scenarioArg = builtin.Scenario
	}
	if err := makeOut(f.out); err != nil {
		return err
	}
	runner, err := f.runner(e, scenarioArg)
	if err != nil {
		return err
	}
	cfg := campaign.SweepConfig{Runner: runner, Scenario: scenarioArg, Vary: varies, Repeat: f.repeat,
		OnRun: func(i, n int, values []string, res *campaign.Result, err error) string {
			return sweepProgress(e, f.out, i, n, varies, values, res, err)
		}}
	sweep, err := campaign.Sweep(ctx, cfg)
	if sweep == nil {
		if errors.Is(err, campaign.ErrVary) || errors.Is(err, campaign.ErrScenario) {
			return usagef("%v", err)
		}
		return err
	}
	sweep.Command = commandLine("sweep", args)
	if werr := writeSweep(e, f.out, sweep); werr != nil {
		return werr
	}
	if err != nil {
		return campaignError(err, ctx.Err() != nil)
	}
	for _, r := range sweep.Rows {
		for _, run := range r.Runs {
			if !run.OK {
				return withCode(exitFailed, errors.New("a run failed its thresholds or did not run (see the thresholds column)"))
			}
		}
	}
	return nil
}

func parseSweepFlags(args []string) (f sweepFlags, scenarioArg string, err error) {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f.register(fs)
	fs.Func("vary", "", func(v string) error { f.vary = append(f.vary, v); return nil })
	fs.IntVar(&f.repeat, "repeat", 1, "")
	pos, err := parseInterleaved(fs, args)
	switch {
	case err != nil:
		return f, "", err
	case len(pos) != 1:
		return f, "", usagef("want one scenario file, built-in scenario or built-in sweep\n\n%s", sweepUsage)
	case f.repeat < 1:
		return f, "", usagef("--repeat %d: want at least 1", f.repeat)
	}
	return f, pos[0], f.check()
}

// sweepVaries parses --vary; a built-in sweep's name without --vary takes
// its own, and --serve unless --target is given.
func sweepVaries(f *sweepFlags, name string) ([]campaign.Vary, *campaign.BuiltinSweep, error) {
	var out []campaign.Vary
	for _, v := range f.vary {
		vary, err := campaign.ParseVary(v)
		if err != nil {
			return nil, nil, usagef("%v", err)
		}
		out = append(out, vary)
	}
	b, ok := campaign.BuiltinSweeps[name]
	switch {
	case ok && len(out) == 0:
		if b.Serve && f.target == "" {
			f.serve = true
		}
		return b.Vary, &b, nil
	case len(out) == 0:
		return nil, nil, usagef("nothing to vary: give --vary KEY=V1,V2 (or a built-in sweep: %s)",
			strings.Join(slices.Sorted(maps.Keys(campaign.BuiltinSweeps)), ", "))
	}
	return out, nil, nil
}

// sweepProgress writes the run's record into --out and says on stderr
// how it went; it returns the record's name in --out.
func sweepProgress(e env, out string, i, n int, varies []campaign.Vary, values []string, res *campaign.Result, err error) string {
	pairs := make([]string, len(values))
	for j, v := range values {
		pairs[j] = varies[j].Key + "=" + v
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "stampede sweep: run %d/%d %s: %v\n", i, n, strings.Join(pairs, " "), err)
		return ""
	}
	verdict := "ok"
	switch {
	case res.Record.Interrupted:
		verdict = "interrupted"
	case slices.ContainsFunc(res.Record.Thresholds, func(t reports.ThresholdResult) bool { return !t.OK }):
		verdict = "FAIL"
	}
	fmt.Fprintf(e.stderr, "stampede sweep: run %d/%d %s: %s (%.1fs)\n", i, n, strings.Join(pairs, " "), verdict, res.Record.Seconds())
	return writeRunRecord(out, fmt.Sprintf("run-%02d.json", i), res.Record)
}

// writeSweep prints the table and writes --out's files.
func writeSweep(e env, out string, s *reports.Sweep) error {
	return writeReportSet(e, "sweep", out, "the runs' records", s, reportSet[*reports.Sweep]{
		reports.WriteSweepText, reports.WriteSweepMarkdown, reports.WriteSweepHTML, reports.WriteSweepJSON})
}

// reportSet renders one result of sweep or capacity in its four formats.
type reportSet[T any] struct{ text, markdown, html, json func(io.Writer, T) error }

// writeReportSet prints v's text on stdout and, with an --out directory,
// writes NAME.txt, .md, .html and .json there, saying so with what else
// the directory holds.
func writeReportSet[T any](e env, name, out, also string, v T, r reportSet[T]) error {
	if err := r.text(e.stdout, v); err != nil {
		return err
	}
	if out == "" {
		return nil
	}
	for ext, render := range map[string]func(io.Writer, T) error{".txt": r.text, ".md": r.markdown, ".html": r.html, ".json": r.json} {
		if err := writeOut(out, name+ext, func(w io.Writer) error { return render(w, v) }); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stderr, "stampede %s: wrote %s/%s.html, %s.md, %s.txt, %s.json and %s\n", name, out, name, name, name, name, also)
	return nil
}
