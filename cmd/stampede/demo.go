package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/campaign"
	"github.com/stampede-sio/stampede/reports"
)

const demoUsage = `Usage: stampede demo [--out DIR]

Shows what stampede does, in under three minutes on a small machine:
starts an embedded refserver on a free port of 127.0.0.1 (fast pings, so
that the conformance check is quick), runs stampede check against it, runs
a short mix of the built-in scenarios (echo-baseline, room-fanout,
chat-stream, heartbeat-load), then a small capacity search of room-fanout
on fresh managed servers, and writes DIR/index.html linking every report
(HTML pages, JSON records, text summaries). Prints where it is.

Exits 0 when it wrote the index (the verdicts are in it), 2 when it could
not start, 3 when interrupted (the index of what ran is still written).

Flags:
  --out DIR   where the reports go (default ./stampede-demo)

Examples:
  stampede demo
  make demo
`

// demoSummary is demo's line in the list of commands.
const demoSummary = "serve, check, run scenarios and a capacity search: one HTML report"

// demoPlan sizes the demo: the check's selection, the scenario runs and
// the capacity search.
type demoPlan struct {
	checkRun string // check --run; "": every case of the default layers
	runs     []demoRun
	capacity []string // capacity's arguments after the scenario
}

type demoRun struct {
	scenario, what string
	vus            int
	duration       string
}

// The demo's plans: the real one, and --quick (tests) in seconds.
var (
	demoFull = demoPlan{
		runs: []demoRun{
			{"echo-baseline", "transport baseline on /echo: acked round trips and echoes", 100, "8s"},
			{"room-fanout", "typing fan-out in the big channel room, delivery latency", 300, "10s"},
			{"chat-stream", "streamed completions pushed to chat tabs", 100, "8s"},
			{"heartbeat-load", "idle sessions heartbeating, the server's cost per client", 300, "8s"},
		},
		capacity: []string{"room-fanout", "--slo", "push_p99{event:events:channel} < 250ms", "--slo", "error_rate < 0.1%",
			"--min", "100", "--max", "1600", "--duration", "6s", "--budget", "45s", "--serve-arg", "users=2000"},
	}
	demoQuick = demoPlan{
		checkRun: "^ECHO-",
		runs: []demoRun{
			{"echo-baseline", "transport baseline on /echo", 10, "2s"},
			{"connect-storm", "clients connecting at once", 10, "2s"},
		},
		capacity: []string{"echo-baseline", "--slo", "ack_p99 < 1s", "--min", "10", "--max", "20", "--duration", "2s",
			"--budget", "30s", "--set", "teardown=0s", "--max-lag", "5s", "--serve-arg", "users=100"},
	}
)

// demoServeArgs are the embedded server's flags: the README's CI settings,
// so that the check's ping and session cases take seconds.
var demoServeArgs = []string{"--transports=polling,websocket", "--ping-interval=300ms", "--ping-timeout=200ms", "--session-timeout=5s"}

func runDemo(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "stampede-demo", "")
	quick := fs.Bool("quick", false, "") // hidden: the tests' demo, in seconds
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(e.stdout, demoUsage)
		}
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	plan := demoFull
	if *quick {
		plan = demoQuick
	}
	if err := makeOut(*out); err != nil {
		return err
	}
	d, err := demo(ctx, e, *out, plan)
	if d == nil {
		return err
	}
	d.Command = strings.Join(commandLine("demo", args), " ")
	index := filepath.Join(*out, "index.html")
	if werr := writeFile(index, func(w io.Writer) error { return reports.WriteDemoIndex(w, d) }); werr != nil {
		return werr
	}
	fmt.Fprintf(e.stdout, "stampede demo: wrote %s (%d parts, %s); open it in a browser\n", index, len(d.Parts), d.End.Sub(d.Start).Round(time.Second))
	if err != nil {
		return withCode(exitInterrupted, err)
	}
	return nil
}

// demo starts the server and runs every part; nil with an error when the
// server did not start. When ctx is done it returns what ran, and ctx's
// error.
func demo(ctx context.Context, e env, dir string, plan demoPlan) (*reports.Demo, error) {
	secret := rand.Text()
	exe, exeEnv, err := serveExecutable()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	defer logf.Close()
	srv, err := campaign.StartServer(ctx, campaign.ServerConfig{Exe: exe, Env: exeEnv, Args: demoServeArgs, Secret: []byte(secret), Log: logf})
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	fmt.Fprintf(e.stderr, "stampede demo: refserver on %s; reports go to %s\n", srv.URL, dir)
	d := &reports.Demo{Server: srv.URL, Start: time.Now()}
	denv := demoEnv(e, secret)
	steps := []func() reports.DemoPart{
		func() reports.DemoPart { return demoCheck(ctx, denv, dir, srv.URL, plan.checkRun) },
	}
	for _, r := range plan.runs {
		steps = append(steps, func() reports.DemoPart { return demoScenario(ctx, denv, dir, srv.URL, r) })
	}
	steps = append(steps, func() reports.DemoPart { return demoCapacity(ctx, denv, dir, plan.capacity) })
	for _, step := range steps {
		if ctx.Err() != nil {
			break
		}
		p := step()
		fmt.Fprintf(e.stderr, "stampede demo: %s: %s (%s)\n", p.Name, p.Verdict, p.Summary)
		d.Parts = append(d.Parts, p)
	}
	d.End = time.Now()
	return d, ctx.Err()
}

// demoEnv is the environment the demo's commands run in: their output
// captured, the server's secret as WEBUI_SECRET_KEY, no terminal.
func demoEnv(e env, secret string) env {
	return env{stdout: io.Discard, stderr: io.Discard, terminal: func(io.Writer) bool { return false },
		getenv: func(k string) string {
			if k == "WEBUI_SECRET_KEY" {
				return secret
			}
			return e.getenv(k)
		}}
}

// demoCommandRun runs one stampede command with the demo's environment,
// keeping its stdout in DIR/name.txt; it returns the exit code and the
// output.
func demoCommandRun(ctx context.Context, e env, dir, name string, args []string) (int, string) {
	var out, errb bytes.Buffer
	e.stdout, e.stderr = &out, &errb
	code := run(ctx, e, args)
	text := out.String()
	if errb.Len() > 0 {
		text += "\n" + errb.String()
	}
	_ = os.WriteFile(filepath.Join(dir, name+".txt"), []byte(text), 0o644)
	return code, out.String() + errb.String()
}

func demoCheck(ctx context.Context, e env, dir, url, selection string) reports.DemoPart {
	args := []string{"check", "--target", url, "--session-timeout", "5s", "--quiet",
		"--json", filepath.Join(dir, "check.json"), "--html", filepath.Join(dir, "check.html")}
	if selection != "" {
		args = append(args, "--run", selection)
	}
	code, text := demoCommandRun(ctx, e, dir, "check", args)
	p := reports.DemoPart{Name: "check", What: "conformance of the refserver against PROTOCOL.md, case by case", Verdict: demoVerdict(code),
		Links: demoLinks("check.html", "check.json", "check.txt")}
	if f, err := os.Open(filepath.Join(dir, "check.json")); err == nil {
		defer f.Close()
		if c, err := reports.ReadCheck(f); err == nil {
			s := c.Summary
			p.Summary = fmt.Sprintf("%d cases: %d pass, %d fail, %d warn, %d skip", len(c.Cases), s.Passed, s.Failed, s.Warned, s.Skipped)
		}
	}
	if p.Summary == "" {
		p.Summary = finalLine(text)
	}
	return p
}

func demoScenario(ctx context.Context, e env, dir, url string, r demoRun) reports.DemoPart {
	code, text := demoCommandRun(ctx, e, dir, r.scenario, []string{"run", r.scenario, "--target", url, "--vus", fmt.Sprint(r.vus),
		"--duration", r.duration, "--out", filepath.Join(dir, r.scenario+".json"), "--html", filepath.Join(dir, r.scenario+".html")})
	p := reports.DemoPart{Name: "run " + r.scenario, What: fmt.Sprintf("%s (%d clients, %s)", r.what, r.vus, r.duration), Verdict: demoVerdict(code),
		Links: demoLinks(r.scenario+".html", r.scenario+".json", r.scenario+".txt")}
	rec, err := reports.ReadRunFile(filepath.Join(dir, r.scenario+".json"))
	if err != nil {
		p.Summary = finalLine(text)
		return p
	}
	held := 0
	for _, t := range rec.Thresholds {
		if t.OK {
			held++
		}
	}
	f := campaign.RecordFigures(rec).Values
	p.Summary = fmt.Sprintf("%d of %d thresholds held; %.0f clients", held, len(rec.Thresholds), f[reports.FigClients])
	for _, k := range []struct{ key, label string }{{reports.FigAckP99, "ack p99"}, {reports.FigPushP99, "push p99"}} {
		if v, ok := f[k.key]; ok {
			p.Summary += fmt.Sprintf(", %s %.1f ms", k.label, v)
		}
	}
	return p
}

func demoCapacity(ctx context.Context, e env, dir string, args []string) reports.DemoPart {
	capDir := filepath.Join(dir, "capacity")
	code, text := demoCommandRun(ctx, e, dir, "capacity", append(append([]string{"capacity"}, args...), "--serve", "--out", capDir))
	p := reports.DemoPart{Name: "capacity " + args[0], What: "the largest population at which every SLO held (" + strings.Join(sloArgs(args), ", ") + "), each step on a fresh server",
		Verdict: demoVerdict(code), Summary: capacitySummaryLine(text),
		Links: demoLinks("capacity/capacity.html", "capacity/capacity.json", "capacity.txt")}
	return p
}

// demoLinks are a part's links: its HTML report, JSON record and text.
func demoLinks(report, record, text string) []reports.Link {
	return []reports.Link{{Text: "report", Href: report}, {Text: "record", Href: record}, {Text: "text", Href: text}}
}

func sloArgs(args []string) []string {
	var out []string
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "--slo" {
			out = append(out, args[i+1])
		}
	}
	return out
}

// capacitySummaryLine is capacity's answer line from its output.
func capacitySummaryLine(text string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "capacity: ") {
			return l
		}
	}
	return finalLine(text)
}

func demoVerdict(code int) string {
	switch code {
	case exitOK:
		return "pass"
	case exitFailed:
		return "fail"
	case exitInterrupted:
		return "interrupted"
	}
	return "error"
}

func finalLine(text string) string {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	return lines[len(lines)-1]
}
