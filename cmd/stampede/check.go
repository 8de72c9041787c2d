package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/conformance"
	"github.com/stampede-sio/stampede/conformance/app"
	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/client/serverurl"
	"github.com/stampede-sio/stampede/reports"
)

const checkUsage = `Usage: stampede check --target URL [flags]

Checks a Socket.IO server against PROTOCOL.md, case by case, and exits 0 when
every MUST case passes (SHOULD cases too with --strict), 1 when one fails,
2 when the suite could not run (bad flags, target unreachable, no case
selected), 3 when interrupted (partial reports are still written).

Flags:
  --target URL            server URL, e.g. http://127.0.0.1:8080 (required), written as for
                          socket.io-client: http://, https://, ws:// or wss://; a path names
                          the echo namespace (http://host:3000/custom: --echo-namespace /custom)
  --path PATH             Socket.IO path, with or without the trailing slash (default /ws/socket.io)
  --echo-namespace NSP    echo namespace for the engineio/socketio layers (default /echo)
  --other-namespace NSP   a second namespace the target serves without a token, for
                          SIO-7/disconnect-one-namespace (default /, or /custom when the
                          echo namespace is /); the case skips when the target refuses it
  --insecure              accept any TLS certificate (self-signed) of an https:// target
  --engineio-path PATH    raw Engine.IO echo (default /engine.io/)
  --profile NAME          documented | open-webui: expectations where they differ (default documented)
  --secret S              token signing key for the app layer [WEBUI_SECRET_KEY]
  --layer LIST            engineio,socketio,app,scale,limits (default engineio,socketio,app; --peer
                          adds scale). limits (PROTOCOL.md LIM-1…LIM-8) is never a default: its cases
                          attack the target (hostile input, floods, up to 2,000 connections and 64 MiB
                          per case) and wait up to 50 s for its timeouts; a timeout longer than that
                          skips. Run the refserver with --connect-timeout 2s --read-header-timeout 2s
                          --idle-timeout 2s to check every case.
  --run REGEXP            only cases whose ID matches (unanchored, as go test -run)
  --strict                SHOULD cases decide the exit code too
  --peer URL              a second instance of the same deployment: adds the scale layer
                          (SCALE-1…3, SESS-5)
  --redis URL             the deployment's Redis (redis://host:port/db), for the scale cases that
                          read its keys, subscribe to its channels, or pause it and cut its
                          subscriptions (CLIENT PAUSE, CLIENT KILL): a test deployment's only
  --redis-key-prefix P    the deployment's REDIS_KEY_PREFIX (default open-webui)
  --redis-channel NAME    its pub/sub channel (default socketio)
  --redis-lock-timeout D  its WEBSOCKET_REDIS_LOCK_TIMEOUT (default 60s)
  --session-timeout D     the target's session timeout, for SESS-3
  --allow-mutations       run the cases that change shared state (below) against a target that is
                          not a refserver; a refserver restores what they change, other targets
                          cannot, so without the flag those cases skip
  --parallel N            cases at once (default 16)
  --repeat N              times each race case repeats its back-to-back exchange; one broken
                          repetition fails the case (default 20)
  --junit FILE            write JUnit XML
  --json FILE             write the JSON record
  --html FILE             write the HTML report (one self-contained page, cases filterable)
  --list                  print the selected cases and exit
  --quiet                 no report on stdout and no progress on stderr (files are still written)

Before the cases run, stderr gets how long they will take at the target's ping
settings, with a hint when faster settings would help; while they run, a line
per case when stderr is a terminal, else a line per layer; at the end, a note
for each layer that does not apply to the target (all or nearly all of its
cases failed) and the --layer to pass instead.

A case whose requirement is PROTOCOL.md's own, stricter than the upstream spec
(source "stricter" in the JSON), ends "warn" instead of "fail": it fails the
run only with --strict.

Examples:
  stampede check --target http://127.0.0.1:8080 --junit conformance.xml
  stampede check --target http://127.0.0.1:3000 --path /socket.io --layer engineio,socketio
  stampede check --target http://127.0.0.1:8080 --run '^AUTH-' --secret "$WEBUI_SECRET_KEY"
  stampede check --target http://127.0.0.1:3000 --path /socket.io --echo-namespace / --layer limits
  stampede check --target http://127.0.0.1:8081 --peer http://127.0.0.1:8082 \
                 --redis redis://127.0.0.1:6379/0 --layer scale
`

var checkCommand = command{
	summary: "check a server against the documented behaviour",
	usage:   checkHelp(),
	runE:    runCheck,
}

// checkHelp is checkUsage and the cases that change shared state.
func checkHelp() string {
	var b strings.Builder
	b.WriteString(checkUsage)
	b.WriteString(`
Cases that change shared state act only on the set the refserver reserves for
check (users chk001 … chk010, channels chk-c01 … chk-c03, notes chk-n01 …
chk-n03), which it restores before and after each of them; against another
target they run only with --allow-mutations:
`)
	for _, m := range app.Mutations() {
		fmt.Fprintf(&b, "  %-24s %s\n", m.Case, m.Changes)
	}
	return b.String()
}

type checkFlags struct {
	target, path, echoNsp, enginePath, profile, secret string
	otherNsp                                           string
	layers, run, peer, junit, jsonOut, html            string
	redis, redisPrefix, redisChannel                   string
	lockTimeout                                        time.Duration
	strict, list, quiet, allowMutations, insecure      bool
	sessionTimeout                                     time.Duration
	parallel, repeat                                   int
}

func runCheck(ctx context.Context, e env, args []string) error {
	var f checkFlags
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.target, "target", "", "")
	fs.StringVar(&f.path, "path", "/ws/socket.io", "")
	fs.StringVar(&f.echoNsp, "echo-namespace", "/echo", "")
	fs.StringVar(&f.otherNsp, "other-namespace", "", "")
	fs.StringVar(&f.enginePath, "engineio-path", "/engine.io/", "")
	fs.StringVar(&f.profile, "profile", "documented", "")
	fs.StringVar(&f.secret, "secret", "", "")
	fs.StringVar(&f.layers, "layer", "engineio,socketio,app", "")
	fs.StringVar(&f.run, "run", "", "")
	fs.BoolVar(&f.strict, "strict", false, "")
	fs.StringVar(&f.peer, "peer", "", "")
	fs.DurationVar(&f.sessionTimeout, "session-timeout", 0, "")
	fs.StringVar(&f.redis, "redis", "", "")
	fs.StringVar(&f.redisPrefix, "redis-key-prefix", "open-webui", "")
	fs.StringVar(&f.redisChannel, "redis-channel", "socketio", "")
	fs.DurationVar(&f.lockTimeout, "redis-lock-timeout", 60*time.Second, "")
	fs.IntVar(&f.parallel, "parallel", 16, "")
	fs.IntVar(&f.repeat, "repeat", check.DefaultRepeat, "")
	fs.StringVar(&f.junit, "junit", "", "")
	fs.StringVar(&f.jsonOut, "json", "", "")
	fs.StringVar(&f.html, "html", "", "")
	fs.BoolVar(&f.list, "list", false, "")
	fs.BoolVar(&f.quiet, "quiet", false, "")
	fs.BoolVar(&f.allowMutations, "allow-mutations", false, "")
	fs.BoolVar(&f.insecure, "insecure", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(e.stdout, checkHelp())
			return nil
		}
		return usagef("%v", err)
	}
	target, opts, err := checkSetup(e, f, fs.NArg())
	if err != nil {
		return err
	}
	if f.list {
		return listCases(e, opts)
	}
	if !f.quiet {
		opts.Log, opts.Terminal = e.stderr, e.isTerminal(e.stderr)
	}
	rec, err := conformance.Run(ctx, target, opts)
	if rec == nil || errors.Is(err, conformance.ErrNoCases) || errors.Is(err, conformance.ErrUnreachable) {
		return cmp.Or(err, errors.New("the suite returned no record")) // could not run: 2
	}
	rec.Command = commandLine("check", args)
	if werr := writeCheckReports(e, f, rec); werr != nil {
		return werr
	}
	if err != nil { // interrupted: partial reports were written
		return withCode(exitInterrupted, fmt.Errorf("interrupted: %w", err))
	}
	return checkVerdict(rec)
}

// checkVerdict is the exit of a check that ran: exitFailed when a decisive
// case failed (a MUST case, a SHOULD or warned case under --strict).
func checkVerdict(rec *reports.Check) error {
	if n := rec.Summary.Decisive; n > 0 {
		return withCode(exitFailed, fmt.Errorf("FAIL: %d of %d cases failed", n, len(rec.Cases)))
	}
	return nil
}

func checkSetup(e env, f checkFlags, nargs int) (check.Target, conformance.Options, error) {
	var opts conformance.Options
	if nargs > 0 {
		return check.Target{}, opts, usagef("unexpected arguments; the target is given with --target")
	}
	if f.target == "" && !f.list {
		return check.Target{}, opts, usagef("--target URL is required")
	}
	target := check.Target{Path: f.path, EchoNamespace: f.echoNsp, OtherNamespace: f.otherNsp, EnginePath: f.enginePath, Profile: f.profile,
		SessionTimeout: f.sessionTimeout, Strict: f.strict, AllowMutations: f.allowMutations}
	if f.profile != "documented" && f.profile != "open-webui" {
		return target, opts, usagef("--profile %q: want documented or open-webui", f.profile)
	}
	if f.target != "" {
		u, err := serverurl.Parse(f.target)
		if err != nil {
			return target, opts, usagef("--target %q: want an http://, https://, ws:// or wss:// URL", f.target)
		}
		target.URL = u.Base
		if u.Namespace != "" { // as socket.io-client: http://host/echo is namespace /echo
			target.EchoNamespace = u.Namespace
		}
	}
	target.Path = serverurl.EnginePath(target.Path)
	target.TLS = insecureTLS(f.insecure)
	if f.peer != "" {
		u, err := url.Parse(f.peer)
		if err != nil || u.Host == "" {
			return target, opts, usagef("--peer %q: want a URL", f.peer)
		}
		target.Peer = u
	}
	if f.redis != "" {
		if u, err := url.Parse(f.redis); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			return target, opts, usagef("--redis %q: want a redis:// URL", f.redis)
		}
	}
	if f.lockTimeout <= 0 {
		return target, opts, usagef("--redis-lock-timeout must be positive")
	}
	target.Redis, target.RedisPrefix, target.RedisChannel, target.LockTimeout = f.redis, f.redisPrefix, f.redisChannel, f.lockTimeout
	if s := f.secret; s != "" {
		target.Secret = []byte(s)
	} else if s := e.getenv("WEBUI_SECRET_KEY"); s != "" {
		target.Secret = []byte(s)
	} else if s, _, _, err := resolveSecret(e, "", false); err == nil {
		target.Secret = s
	}
	for _, l := range strings.Split(f.layers, ",") {
		switch l = strings.TrimSpace(l); check.Layer(l) {
		case check.LayerEngineIO, check.LayerSocketIO, check.LayerApp, check.LayerScale, check.LayerLimits:
			opts.Layers = append(opts.Layers, check.Layer(l))
		default:
			return target, opts, usagef("--layer %q: want engineio, socketio, app, scale or limits", l)
		}
	}
	if target.Peer != nil {
		opts.Layers = append(opts.Layers, check.LayerScale)
	}
	if f.run != "" {
		re, err := regexp.Compile(f.run)
		if err != nil {
			return target, opts, usagef("--run: %v", err)
		}
		opts.Run = re
	}
	if f.parallel < 1 {
		return target, opts, usagef("--parallel must be at least 1")
	}
	opts.Parallel = f.parallel
	if f.repeat < 1 {
		return target, opts, usagef("--repeat must be at least 1")
	}
	target.Repeat = f.repeat
	return target, opts, nil
}

func listCases(e env, opts conformance.Options) error {
	cases := conformance.Select(conformance.Cases(), opts)
	if len(cases) == 0 {
		return usagef("no case selected")
	}
	for _, c := range cases {
		fmt.Fprintf(e.stdout, "%-28s %-8s %-6s %s\n", c.ID, c.Layer, c.Level, c.Requirement)
	}
	return nil
}

func writeCheckReports(e env, f checkFlags, rec *reports.Check) error {
	if !f.quiet {
		if err := reports.WriteCheckText(e.stdout, rec); err != nil {
			return err
		}
	}
	for _, out := range []struct {
		path  string
		write reports.CheckReporter
	}{{f.junit, reports.WriteCheckJUnit}, {f.jsonOut, reports.WriteCheckJSON}, {f.html, reports.WriteCheckHTML}} {
		if out.path == "" {
			continue
		}
		if err := writeFile(out.path, func(w io.Writer) error { return out.write(w, rec) }); err != nil {
			return err
		}
	}
	return nil
}

// writeFile writes through a temporary file, so that a reader never sees half a report.
func writeFile(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(dirOf(path), ".stampede-*")
	if err != nil {
		return fmt.Errorf("failed to write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("failed to write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("failed to write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("failed to write %s: %w", path, err)
	}
	return nil
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[:i+1]
	}
	return "."
}
