package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/campaign"
	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/reports"
	"github.com/stampede-sio/stampede/scenarios"
	"github.com/stampede-sio/stampede/simulator"
)

var runUsage = `Usage: stampede run SCENARIO.yaml|NAME [flags]

Runs a load scenario, a file or a built-in by name, against a Socket.IO
server, and prints what its virtual clients measured. Exits 0 when every
threshold held, 1 when one failed, 2 when the run could not start (bad
scenario or flags, target unreachable, no secret to mint tokens, more
worker processes than this machine can hold), 3 when interrupted (the
partial results are still written and printed).

Dropped starts fail a run: unless the scenario's thresholds say how many
may drop (starts_dropped < 1%, a share of the intended starts, or
starts_dropped <= 100), the threshold starts_dropped == 0 is added, and the
summary then opens with the starts the generator gave up on.

A run also fails (exit 1), with thresholds or without, when no client
ever connected, or when it counted errors while its clients sent messages
and not one round trip completed (no ack, no user-join ack, no pushed event
carrying its send time).

A run whose peak population exceeds --clients-per-worker is split over
worker processes of this machine (a process holds at most ~19,900 sockets),
whose records are merged into one. A run this machine cannot hold exits 2
before it starts: more clients per process than its open-file limit
(RLIMIT_NOFILE, less 100) allows, or more clients than its available
memory holds at ~11 KiB each (/proc/meminfo MemAvailable).

Flags (before or after the scenario):
  --target URL[,URL...]   server URLs, replacing target.urls; clients are
                          spread over them (one server per port). Written as
                          for socket.io-client: http://, https://, ws:// or
                          wss://, a path names the namespace
                          (http://host:3000/echo: namespace /echo)
  --insecure              accept any TLS certificate (self-signed) of https://
                          and wss:// targets
  --serve                 start a refserver for the run (this binary's serve, on
                          a free port of 127.0.0.1; several processes over Redis
                          above 15,000 clients) with the scenario's server.*
                          settings, and stop it at the end; the record's server
                          says which settings it had
  --serve-arg FLAG=VALUE  a flag of that server, repeatable: ping-interval=1s,
                          fault=delay-events=50ms (the scenario's server.* keys
                          come after and win)
  --sessions-per-process N
                          most clients per managed server process before it
                          runs as ⌈peak/N⌉ processes over Redis (default 15000;
                          smaller tries the several-process server on a small run)
  --secret S              key that signs the clients' tokens [WEBUI_SECRET_KEY,
                          else the key stampede serve generated]
  --vus N                 scale the populations so that the peak is N clients
  --duration D            scale the phases so that they last D in total
  --set key=value         change a scenario field by its dotted path, repeatable:
                          phases.0.rate=500, client.heartbeat=15s
  --out FILE              write the JSON record to FILE (default: no file; the
                          summary still goes to stdout)
  --html FILE             write the HTML report to FILE at the end (one
                          self-contained page; stampede report renders it again)
  --junit FILE            write the thresholds to FILE as JUnit XML at the end,
                          one testcase per threshold (starts_dropped == 0
                          among them unless the scenario set its own), a
                          broken one failed with the observed value and limit
  --segment i/n           run only segment i of n of the run, for n machines;
                          each writes its --out record, and stampede report
                          merge merges them
  --clients-per-worker N  most clients per process before the run is split over
                          ⌈peak/N⌉ worker processes (default 15000)
  --seed N                seed of the clients' random choices (flows, think
                          times, jitter); the same seed, the same choices (default 0)
  --progress              print the live progress line once a second even when
                          stderr is not a terminal (then as plain lines; on a
                          terminal it is on by default, redrawn in place):
                          phase, elapsed/total, clients, connects/s, msgs/s in
                          and out, the last second's ack and push p99, errors,
                          and OVERLOADED (lag p99 … > 10ms) when the generator's
                          own lag says it is the bottleneck
  --quiet                 no summary on stdout, and no progress line unless
                          --progress
  --metrics-addr ADDR     serve the run's live figures in the Prometheus format
                          at http://ADDR/metrics while it runs: stampede_run_*
                          series (clients, connects, messages, errors by kind,
                          latency quantiles of the last second, generator lag)
  --debug-addr ADDR       serve Go's net/http/pprof profiles of the simulator
                          on ADDR; worker i of a split run serves on the port i
                          above (off by default)

Built-in scenarios: ` + strings.Join(scenarios.BuiltinNames(), ", ") + `

Examples:
  stampede run connect-storm
  stampede run echo-baseline --vus 50 --duration 10s --out echo.json
  stampede run echo-baseline --target http://127.0.0.1:3000/ --set target.path=/socket.io
  stampede run room-fanout --vus 50000 --target http://127.0.0.1:8080,http://127.0.0.1:8081
  stampede run chat.yaml --segment 1/2 --out part-1.json    # and 2/2 on a second machine
  stampede run heartbeat-load --serve --set server.ping_interval=5s --vus 200
`

var runCommand = command{
	summary: "run a load scenario against a server",
	usage:   runUsage,
	runE:    runRun,
}

type runFlags struct {
	target, secret, out, segment string
	html                         string // the HTML report, written at the end
	junit                        string // the thresholds as JUnit test cases, written at the end
	sets                         scenarioSets
	vus, perWorker               int
	seed                         uint64
	duration                     time.Duration
	quiet, worker, progress      bool
	insecure                     bool
	debugAddr, metricsAddr       string
	serve                        bool                   // --serve: a managed refserver for the run
	serveArgs                    serveArgs              // its --serve-arg flags
	perProcess                   int                    // --sessions-per-process: its sessions per process
	live                         simulator.ProgressFunc // feeds --metrics-addr; nil without it
}

func runRun(ctx context.Context, e env, args []string) error {
	f, scenarioArg, seg, err := parseRunFlags(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(e.stdout, runUsage)
			return nil
		}
		return usagef("%v", err)
	}
	sets := f.sets
	if f.target != "" {
		sets = append(slices.Clone(sets), "target.urls="+f.target)
	}
	s, errs := prepareScenario(scenarioArg, sets, f.vus, f.duration)
	if len(errs) > 0 {
		return errs
	}
	if err := simulator.ReadHostLimits().Check(s.Peak(), f.perWorker, seg); err != nil {
		return err
	}
	secret, _, _, noSecret := resolveSecret(e, f.secret, false) // Run says whether the scenario needs one
	var server *reports.Server
	if f.serve && !f.worker {
		secret = managedSecret(secret)
		srv, desc, err := managedServer(ctx, e, s, f.serveArgs, f.perProcess, secret)
		if err != nil {
			return fmt.Errorf("--serve: %w", err)
		}
		defer srv.Stop()
		server, f.target = desc, s.Target.URLs[0]
	} else if note := serverKeysNote(s); note != "" && !f.worker {
		fmt.Fprintf(e.stderr, "stampede run: %s\n", note)
	}
	if f.out != "" {
		if err := os.MkdirAll(filepath.Dir(f.out), 0o755); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	if f.debugAddr != "" {
		if err := serveDebug(f.debugAddr); err != nil {
			return fmt.Errorf("--debug-addr: %w", err)
		}
	}
	if f.metricsAddr != "" {
		live, stop, err := serveRunMetrics(f.metricsAddr)
		if err != nil {
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		defer stop()
		f.live = live
	}
	var rec *reports.Run
	progress, progressDone := runProgress(e, f)
	if n := simulator.Workers(s.Peak(), f.perWorker, seg); n > 1 && !f.worker {
		rec, err = runWorkers(ctx, e, f, scenarioArg, seg, n, secret, progress)
	} else {
		rec, err = simulator.Run(ctx, simulator.RunConfig{
			Scenario: s, Secret: secret, Segment: seg, Seed: f.seed,
			Progress: simulator.TeeProgress(progress, f.live), Logger: runLogger(e), Version: stampedeVersion(),
			TLSConfig: insecureTLS(f.insecure),
		})
	}
	progressDone()
	switch {
	case errors.Is(err, context.Canceled):
		return withCode(exitInterrupted, err) // before the start: nothing to write
	case errors.Is(err, simulator.ErrNoSecret) && noSecret != nil:
		return fmt.Errorf("%w; %w", err, noSecret) // what it needs, then where it looked
	case err != nil:
		return err
	}
	if !f.worker {
		rec.Command = commandLine("run", args)
		rec.Server = server
	}
	return finishRun(e, "stampede run", f, rec)
}

// parseRunFlags parses run's flags and checks their values.
func parseRunFlags(args []string) (f runFlags, scenarioArg string, seg simulator.Segment, err error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.target, "target", "", "")
	fs.StringVar(&f.secret, "secret", "", "")
	fs.IntVar(&f.vus, "vus", 0, "")
	fs.DurationVar(&f.duration, "duration", 0, "")
	fs.Var(&f.sets, "set", "")
	fs.StringVar(&f.out, "out", "", "")
	fs.StringVar(&f.html, "html", "", "")
	fs.StringVar(&f.junit, "junit", "", "")
	fs.StringVar(&f.segment, "segment", "", "")
	fs.IntVar(&f.perWorker, "clients-per-worker", simulator.DefaultClientsPerWorker, "")
	fs.Uint64Var(&f.seed, "seed", 0, "")
	fs.BoolVar(&f.progress, "progress", false, "")
	fs.BoolVar(&f.quiet, "quiet", false, "")
	fs.BoolVar(&f.insecure, "insecure", false, "")
	fs.StringVar(&f.debugAddr, "debug-addr", "", "")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "")
	fs.BoolVar(&f.worker, "worker", false, "") // hidden: a worker process of a split run
	fs.BoolVar(&f.serve, "serve", false, "")
	fs.Var(&f.serveArgs, "serve-arg", "")
	fs.IntVar(&f.perProcess, "sessions-per-process", campaign.SessionsPerProcess, "")
	pos, err := parseInterleaved(fs, args)
	switch {
	case err != nil:
		return f, "", seg, err
	case len(pos) != 1:
		return f, "", seg, usagef("want one scenario file or built-in name\n\n%s", runUsage)
	case f.vus < 0:
		return f, "", seg, usagef("--vus %d: want a positive number", f.vus)
	case f.duration < 0:
		return f, "", seg, usagef("--duration %v: want a positive duration", f.duration)
	case f.perWorker < 1:
		return f, "", seg, usagef("--clients-per-worker %d: want a positive number", f.perWorker)
	case f.worker && f.out == "":
		return f, "", seg, usagef("--worker needs --out")
	case f.serve && f.target != "":
		return f, "", seg, usagef("--serve and --target: the run has its own server with --serve, or the target's")
	case len(f.serveArgs) > 0 && !f.serve:
		return f, "", seg, usagef("--serve-arg needs --serve")
	case f.perProcess < 1:
		return f, "", seg, usagef("--sessions-per-process %d: want a positive number", f.perProcess)
	}
	if seg, err = parseSegment(f.segment); err != nil {
		return f, "", seg, err
	}
	return f, pos[0], seg, nil
}

// parseSegment parses --segment i/n (1 ≤ i ≤ n); "" is the whole run.
func parseSegment(v string) (simulator.Segment, error) {
	if v == "" {
		return simulator.Segment{}, nil
	}
	is, ns, ok := strings.Cut(v, "/")
	i, errI := strconv.Atoi(is)
	n, errN := strconv.Atoi(ns)
	if !ok || errI != nil || errN != nil || n < 1 || i < 1 || i > n {
		return simulator.Segment{}, usagef("--segment %q: want i/n with 1 ≤ i ≤ n, e.g. 1/2", v)
	}
	return simulator.Segment{I: i, N: n}, nil
}

// finishRun writes the record, prints the summary and judges the run; name
// prefixes its notices. A worker's record is judged by its parent, merged.
func finishRun(e env, name string, f runFlags, rec *reports.Run) error {
	if err := writeRun(e, name, f, rec); err != nil {
		return err
	}
	if f.worker {
		return nil
	}
	return runVerdict(rec)
}

// writeRun writes the record to --out and --html and prints the summary,
// unless --quiet; a summary that cannot be printed is a notice, not the
// run's failure.
func writeRun(e env, name string, f runFlags, rec *reports.Run) error {
	for _, out := range []struct {
		path  string
		write reports.RunReporter
	}{{f.out, reports.WriteRunJSON}, {f.html, reports.WriteRunHTML}, {f.junit, reports.WriteRunJUnit}} {
		if out.path == "" {
			continue
		}
		if err := writeFile(out.path, func(w io.Writer) error { return out.write(w, rec) }); err != nil {
			return err
		}
	}
	if !f.quiet && !f.worker {
		if err := reports.WriteRunText(e.stdout, rec); err != nil {
			fmt.Fprintf(e.stderr, "%s: %v\n", name, err)
		}
	}
	return nil
}

// runVerdict judges a run's record: exitInterrupted when a signal cut it
// short, exitFailed when it failed whatever its thresholds (runFailure) or
// when one of its thresholds failed.
func runVerdict(rec *reports.Run) error {
	if rec.Interrupted {
		return withCode(exitInterrupted, errors.New("interrupted: the partial results were written"))
	}
	if why := runFailure(rec); why != "" {
		return withCode(exitFailed, errors.New("FAIL: "+why))
	}
	return thresholdsVerdict(rec)
}

// runFailure is why a run failed whatever its thresholds say, or "": no
// client ever connected, or errors were counted while clients sent
// messages and not one round trip completed (no ack, no user-join ack, no
// pushed event carrying its send time).
func runFailure(rec *reports.Run) string {
	var connected, answered int64
	for _, h := range rec.Histograms {
		switch h.Metric {
		case threshold.MetricSIOConnect:
			connected += h.Count
		case threshold.MetricAck, threshold.MetricUserJoin, threshold.MetricPush:
			answered += h.Count
		}
	}
	errs, sent := rec.Counter(threshold.MetricErrors, nil), rec.Counter(threshold.MetricMessagesSent, nil)
	switch {
	case connected == 0:
		return fmt.Sprintf("no client connected (%d connection attempts, %d errors)", rec.Counter(threshold.MetricConnections, nil), errs)
	case errs > 0 && sent > 0 && answered == 0:
		return fmt.Sprintf("%d messages sent, no ack or reply came back, %d errors", sent, errs)
	}
	return ""
}

// thresholdsVerdict is exitFailed, naming them, when some of rec's
// thresholds failed.
func thresholdsVerdict(rec *reports.Run) error {
	var failed []string
	for _, t := range rec.Thresholds {
		if !t.OK {
			failed = append(failed, fmt.Sprintf("%s (actual %s)", t.Expr, t.Actual))
		}
	}
	if len(failed) > 0 {
		return withCode(exitFailed, fmt.Errorf("FAIL: %d of %d thresholds failed: %s", len(failed), len(rec.Thresholds), strings.Join(failed, ", ")))
	}
	return nil
}

// runProgress is where the live progress goes: JSON lines for the parent
// of a worker; the progress line once a second on a terminal (unless
// --quiet) or with --progress, redrawn in place on a terminal and as plain
// lines elsewhere; else nowhere. done ends the redrawn line.
func runProgress(e env, f runFlags) (progress simulator.ProgressFunc, done func()) {
	switch {
	case f.worker:
		return simulator.ProgressJSON(e.stderr), func() {}
	case e.isTerminal(e.stderr) && (f.progress || !f.quiet):
		return simulator.ProgressTerminal(e.stderr)
	case f.progress:
		return simulator.ProgressText(e.stderr), func() {}
	}
	return nil, func() {}
}

func runLogger(e env) *slog.Logger {
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func stampedeVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

// workerExecutable is how run starts its worker processes: this program,
// with args after prefix, and extra environment; tests replace it.
var workerExecutable = func() (path string, prefix, environ []string, err error) {
	path, err = os.Executable()
	return path, nil, nil, err
}

// workerDebugAddr is the --debug-addr of worker i: the port i above the
// parent's (a port 0 stays 0).
func workerDebugAddr(addr string, i int) string {
	host, port, err := net.SplitHostPort(addr)
	p, perr := strconv.Atoi(port)
	if err != nil || perr != nil || p == 0 {
		return addr
	}
	return net.JoinHostPort(host, strconv.Itoa(p+i))
}

// runWorkers splits segment seg of the run over n worker processes, each
// `stampede run` of the same scenario and flags with --worker, its share of
// seg as --segment, and its own --out. The secret goes through the
// environment, not the command line.
func runWorkers(ctx context.Context, e env, f runFlags, scenarioArg string, seg simulator.Segment, n int, secret []byte, progress simulator.ProgressFunc) (*reports.Run, error) {
	exe, prefix, environ, err := workerExecutable()
	if err != nil {
		return nil, fmt.Errorf("failed to start workers: %w", err)
	}
	args := []string{"run", scenarioArg, "--worker", "--seed", strconv.FormatUint(f.seed, 10)}
	for _, kv := range f.sets {
		args = append(args, "--set", kv)
	}
	if f.target != "" {
		args = append(args, "--target", f.target)
	}
	if f.vus > 0 {
		args = append(args, "--vus", strconv.Itoa(f.vus))
	}
	if f.duration > 0 {
		args = append(args, "--duration", f.duration.String())
	}
	if f.insecure {
		args = append(args, "--insecure")
	}
	environ = append(os.Environ(), environ...)
	if len(secret) > 0 {
		environ = append(environ, "WEBUI_SECRET_KEY="+string(secret))
	}
	return simulator.RunWorkers(ctx, simulator.WorkerConfig{
		Segments: seg.Split(n), Whole: seg, Progress: simulator.TeeProgress(progress, f.live), Log: e.stderr,
		Command: func(ctx context.Context, part simulator.Segment, out string) *exec.Cmd {
			a := append(slices.Clone(prefix), args...)
			a = append(a, "--segment", fmt.Sprintf("%d/%d", part.I, part.N), "--out", out)
			if f.debugAddr != "" {
				a = append(a, "--debug-addr", workerDebugAddr(f.debugAddr, part.I))
			}
			cmd := exec.CommandContext(ctx, exe, a...)
			cmd.Env = environ
			return cmd
		},
	})
}

// insecureTLS is the TLS configuration of --insecure: any certificate
// (self-signed) is accepted; nil without it.
func insecureTLS(insecure bool) *tls.Config {
	if !insecure {
		return nil
	}
	return &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user asked for it with --insecure
}
