package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/stampede-sio/stampede/campaign"
	"github.com/stampede-sio/stampede/reports"
)

const capacityUsage = `Usage: stampede capacity SCENARIO|NAME --slo 'EXPR'... [flags]

Finds the largest population (--by clients) or arrival rate (--by rate)
at which every SLO holds: raises the value from --min, doubling, until an
SLO breaks or --max held, then narrows by bisection to within --precision
(a tenth of the answer).
Each step is one run of the scenario (with --serve, on a fresh managed
refserver); an SLO holds when it holds over the run's last phase (the
hold: its latencies; counts over the whole run). SLOs are thresholds:
'push_p99 < 250ms', 'ack_p99{event:heartbeat} < 100ms', 'error_rate < 0.1%'.

The search stops early when the generator itself saturates (its lag p90
over the hold past --max-lag, or starts it had to drop): the load it applied was not
the load asked for, so it says so instead of blaming the server, and the
answer is a lower bound. --budget bounds the whole search, the step in
progress included; when it runs out the answer is the largest value that
held so far, said to be a lower bound.

Prints each step's evidence (a table), why it stopped, the limiting
resource seen at the first value that broke (errors, server CPU, memory,
or latency alone), and last the answer: "capacity: N clients",
"capacity: N/s" (--by rate), or "capacity: none" (even --min broke an SLO,
or no step could judge: exit 1). --out DIR writes capacity.txt,
capacity.md, capacity.html (the knee plots), capacity.json and every
step's record (step-NN.json).

Exit codes: 0 an answer was found, 1 capacity: none, 2 could not run (bad
flags, SLO or scenario, a run that did not start), 3 interrupted.

Flags:
  --slo EXPR              a service-level objective, repeatable (at least one)
  --by clients|rate       raise the peak population, or the rate of every
                          arrival phase (default clients)
  --min N, --max N        the range searched (default 100 and 10000 clients,
                          10 and 2000 /s by rate)
  --budget D              time for the whole search (default 10m)
  --duration D            length of each step's run (default: the scenario's)
  --precision F           narrow until the gap is at most this share of the
                          answer (default 0.1)
  --confirm N             run a value that broke an SLO N times more; it broke
                          only when every run did, so that one run disturbed by
                          other work on the machine does not decide (default 1)
  --max-lag D             generator lag p90 over the hold that counts as
                          saturated (default 50ms)
  --max-connecting N      the generator's dial slots (default the simulator's 128)
  --set key=value         a scenario field, repeatable
  --serve                 each step on a fresh refserver of this binary
  --serve-arg FLAG=VALUE  a flag of every managed server, repeatable
  --sessions-per-process N
                          most clients per managed server process before it
                          runs as ⌈peak/N⌉ processes over Redis (default 15000)
  --clients-per-worker N  most clients per process of the generator before a
                          run is split over ⌈peak/N⌉ worker processes, as
                          stampede run splits it (default 15000)
  --target URL            search against this server instead
  --secret S              token key [WEBUI_SECRET_KEY, else serve's generated key]
  --out DIR               write the reports and every step's record into DIR
  --seed N                seed of the clients' random choices (default 0)

Examples:
  stampede capacity room-fanout --serve --slo 'push_p99 < 250ms' --slo 'error_rate < 0.1%' --duration 20s --out cap
  stampede capacity connect-storm --target http://127.0.0.1:8080 --slo 'sio_connect_p99 < 100ms' --max 15000
  stampede capacity chat.yaml --by rate --min 50 --max 1000 --slo 'ack_p99 < 200ms' --serve --budget 5m
`

var capacityCommand = command{
	summary: "find the largest population or rate at which every SLO holds",
	usage:   capacityUsage,
	runE:    runCapacity,
}

type capacityFlags struct {
	campaignFlags
	slos          []string
	by            string
	min, max      int
	budget        time.Duration
	maxLag        time.Duration
	maxConnecting int
	precision     float64
	confirm       int
}

func runCapacity(ctx context.Context, e env, args []string) error {
	f, scenarioArg, err := parseCapacityFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(e.stdout, capacityUsage)
		return err
	}
	if err != nil {
		return err
	}
	if err := makeOut(f.out); err != nil {
		return err
	}
	runner, err := f.runner(e, scenarioArg)
	if err != nil {
		return err
	}
	runner.MaxConnecting = f.maxConnecting
	steps := 0
	c, err := campaign.Capacity(ctx, campaign.CapacityConfig{
		Runner: runner, Scenario: scenarioArg, SLOs: f.slos, By: f.by, Min: f.min, Max: f.max,
		Budget: f.budget, MaxLag: f.maxLag, Precision: f.precision, Confirm: f.confirm,
		OnStep: func(step *reports.CapacityStep, res *campaign.Result) string {
			steps++
			return capacityProgress(e, f, steps, step, res)
		},
	})
	if c == nil || (err != nil && ctx.Err() == nil) {
		if errors.Is(err, campaign.ErrCapacity) || errors.Is(err, campaign.ErrScenario) || errors.Is(err, campaign.ErrTooBig) {
			return usagef("%v", err)
		}
		return err
	}
	c.Command = commandLine("capacity", args)
	if werr := writeCapacity(e, f.out, c); werr != nil {
		return werr
	}
	switch {
	case err != nil:
		return campaignError(err, true)
	case !c.Found:
		return withCode(exitFailed, fmt.Errorf("no value held every SLO: %s", c.Stopped))
	}
	return nil
}

func parseCapacityFlags(args []string) (f capacityFlags, scenarioArg string, err error) {
	fs := flag.NewFlagSet("capacity", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f.register(fs)
	fs.Func("slo", "", func(v string) error { f.slos = append(f.slos, v); return nil })
	fs.StringVar(&f.by, "by", reports.ByClients, "")
	fs.IntVar(&f.min, "min", 0, "")
	fs.IntVar(&f.max, "max", 0, "")
	fs.DurationVar(&f.budget, "budget", 10*time.Minute, "")
	fs.DurationVar(&f.maxLag, "max-lag", campaign.DefaultMaxLag, "")
	fs.IntVar(&f.maxConnecting, "max-connecting", 0, "")
	fs.Float64Var(&f.precision, "precision", campaign.DefaultPrecision, "")
	fs.IntVar(&f.confirm, "confirm", 1, "")
	pos, err := parseInterleaved(fs, args)
	switch {
	case err != nil:
		return f, "", err
	case len(pos) != 1:
		return f, "", usagef("want one scenario file or built-in name\n\n%s", capacityUsage)
	case f.vus != 0:
		return f, "", usagef("--vus: capacity sets the population itself (--min, --max)")
	case f.budget <= 0 || f.maxLag <= 0 || f.maxConnecting < 0 || f.confirm < 0 || f.precision <= 0 || f.precision >= 1:
		return f, "", usagef("--budget and --max-lag must be positive, --max-connecting and --confirm not negative, --precision between 0 and 1")
	}
	lo, hi := 100, 10000
	if f.by == reports.ByRate {
		lo, hi = 10, 2000
	}
	if f.min == 0 {
		f.min = lo
	}
	if f.max == 0 {
		f.max = max(hi, f.min)
	}
	return f, pos[0], f.check()
}

// capacityProgress says on stderr how a step went and writes its record
// into --out; it returns the record's name there.
func capacityProgress(e env, f capacityFlags, n int, step *reports.CapacityStep, res *campaign.Result) string {
	verdict := "held"
	switch {
	case res == nil:
		verdict = "did not run: " + step.Note
	case step.Cut:
		verdict = "cut by the budget"
	case step.Saturated:
		verdict = "generator saturated (" + step.Note + ")"
	case !step.Held:
		verdict = "BROKE an SLO"
	}
	unit := " clients"
	if f.by == reports.ByRate {
		unit = "/s"
	}
	fmt.Fprintf(e.stderr, "stampede capacity: %s %d%s: %s (%.1fs)\n", step.Stage, step.Value, unit, verdict, step.Seconds)
	if res == nil {
		return ""
	}
	return writeRunRecord(f.out, fmt.Sprintf("step-%02d.json", n), res.Record)
}

// writeCapacity prints the evidence and the answer, and writes --out.
func writeCapacity(e env, out string, c *reports.Capacity) error {
	return writeReportSet(e, "capacity", out, "the steps' records", c, reportSet[*reports.Capacity]{
		reports.WriteCapacityText, reports.WriteCapacityMarkdown, reports.WriteCapacityHTML, reports.WriteCapacityJSON})
}
