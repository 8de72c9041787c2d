package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/refserver"
)

const serveUsage = `Usage: stampede serve [flags]

Runs the reference Socket.IO server: Engine.IO v4 and Socket.IO v5 at --path,
the echo namespace /echo, the raw Engine.IO echo at /engine.io/, GET /healthz
and GET /metrics. Prints one line with its URL when ready. SIGINT or SIGTERM
stops accepting, closes every session and exits 0 after draining.

Flags (a flag beats the environment variable in brackets, which beats the default):
  --addr ADDR            listen address (default 127.0.0.1:8080)
  --path PATH            Socket.IO endpoint (default /ws/socket.io; /socket.io with --lab)
  --transports LIST      websocket | polling | polling,websocket (default websocket)
                         [ENABLE_WEBSOCKET_SUPPORT: true → websocket, false → polling]
  --ping-interval D      server ping interval (default 25s) [WEBSOCKET_SERVER_PING_INTERVAL, seconds]
  --ping-timeout D       pong timeout (default 20s) [WEBSOCKET_SERVER_PING_TIMEOUT, seconds]
  --max-payload N        largest packet or POST body in bytes (default 1000000)
  --cors-origins LIST    allowed Origins, ';'-separated, '*' for all (default *) [CORS_ALLOW_ORIGIN]
  --drain-timeout D      how long shutdown waits for sessions to close (default 5s)
  --lab                  echo lab: path /socket.io, namespaces / and /custom echo,
                         polling,websocket, pings 300ms/200ms (other flags still override)
  --log-level LEVEL      debug | info | warn | error (default info)
  --debug-addr ADDR      serve Go's net/http/pprof profiles on ADDR (off by default)

Examples:
  stampede serve
  stampede serve --addr 127.0.0.1:9000 --transports polling,websocket
  stampede serve --lab --addr 127.0.0.1:3000
  WEBSOCKET_SERVER_PING_INTERVAL=5 stampede serve --ping-timeout 2s
`

var serveCommand = command{
	summary: "run the reference Socket.IO server",
	usage:   serveUsage,
	run:     runServe,
}

type serveFlags struct {
	addr, path, transports, cors, logLevel string
	debugAddr                              string
	pingInterval, pingTimeout, drain       time.Duration
	maxPayload                             int
	lab                                    bool
}

func runServe(ctx context.Context, e env, args []string) int {
	cfg, sf, err := parseServe(e, args)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(e.stderr, "stampede serve: %v\n", err)
			return exitUsage
		}
		return exitOK
	}
	srv, err := refserver.New(cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "stampede serve: %v\n", err)
		return exitUsage
	}
	ln, err := net.Listen("tcp", sf.addr)
	if err != nil {
		fmt.Fprintf(e.stderr, "stampede serve: failed to listen: %v\n", err)
		return exitUsage
	}
	if sf.debugAddr != "" {
		if err := serveDebug(sf.debugAddr); err != nil {
			ln.Close()
			fmt.Fprintf(e.stderr, "stampede serve: --debug-addr: %v\n", err)
			return exitUsage
		}
	}
	c := srv.Config()
	fmt.Fprintf(e.stdout, "stampede serve: ready on http://%s%s/ (transports %s, ping %s/%s, echo /echo and /engine.io/)\n",
		ln.Addr(), c.Path, strings.Join(c.Transports, ","), c.PingInterval, c.PingTimeout)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		fmt.Fprintf(e.stderr, "stampede serve: %v\n", err)
		return exitUsage
	case <-ctx.Done():
	}
	drainCtx, cancel := context.WithTimeout(context.Background(), sf.drain)
	defer cancel()
	if err := srv.Shutdown(drainCtx); err != nil {
		cfg.Logger.Warn("drain timed out; remaining sessions were dropped", "err", err)
	}
	<-served
	return exitOK
}

// parseServe reads flags, then the environment for flags not given.
func parseServe(e env, args []string) (refserver.Config, serveFlags, error) {
	var sf serveFlags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&sf.addr, "addr", "127.0.0.1:8080", "")
	fs.StringVar(&sf.path, "path", "", "")
	fs.StringVar(&sf.transports, "transports", "", "")
	fs.DurationVar(&sf.pingInterval, "ping-interval", 0, "")
	fs.DurationVar(&sf.pingTimeout, "ping-timeout", 0, "")
	fs.IntVar(&sf.maxPayload, "max-payload", 1000000, "")
	fs.StringVar(&sf.cors, "cors-origins", "", "")
	fs.DurationVar(&sf.drain, "drain-timeout", 5*time.Second, "")
	fs.BoolVar(&sf.lab, "lab", false, "")
	fs.StringVar(&sf.logLevel, "log-level", "info", "")
	fs.StringVar(&sf.debugAddr, "debug-addr", "", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(e.stdout, serveUsage)
		}
		return refserver.Config{}, sf, err
	}
	if fs.NArg() > 0 {
		return refserver.Config{}, sf, usagef("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := serveEnv(e, set, &sf); err != nil {
		return refserver.Config{}, sf, err
	}
	return serveConfig(e, sf)
}

// serveEnv applies open-webui's environment variables to flags not set.
func serveEnv(e env, set map[string]bool, sf *serveFlags) error {
	for _, v := range []struct {
		flag, name string
		dst        *time.Duration
	}{
		{"ping-interval", "WEBSOCKET_SERVER_PING_INTERVAL", &sf.pingInterval},
		{"ping-timeout", "WEBSOCKET_SERVER_PING_TIMEOUT", &sf.pingTimeout},
	} {
		if s := e.getenv(v.name); s != "" && !set[v.flag] {
			d, err := envSeconds(v.name, s)
			if err != nil {
				return err
			}
			*v.dst = d
		}
	}
	if s := e.getenv("ENABLE_WEBSOCKET_SUPPORT"); s != "" && !set["transports"] {
		b, err := strconv.ParseBool(strings.ToLower(s))
		if err != nil {
			return usagef("ENABLE_WEBSOCKET_SUPPORT=%q: want true or false", s)
		}
		sf.transports = map[bool]string{true: "websocket", false: "polling"}[b]
	}
	if s := e.getenv("CORS_ALLOW_ORIGIN"); s != "" && !set["cors-origins"] {
		sf.cors = s
	}
	return nil
}

func envSeconds(name, s string) (time.Duration, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return 0, usagef("%s=%q: want a positive number of seconds", name, s)
	}
	return time.Duration(f * float64(time.Second)), nil
}

func serveConfig(e env, sf serveFlags) (refserver.Config, serveFlags, error) {
	cfg := refserver.Config{Path: sf.path, PingInterval: sf.pingInterval, PingTimeout: sf.pingTimeout, Lab: sf.lab}
	if sf.transports != "" {
		t, err := refserver.ParseTransports(sf.transports)
		if err != nil {
			return cfg, sf, usagef("--transports: %v", err)
		}
		cfg.Transports = t
	}
	if sf.pingInterval < 0 || sf.pingTimeout < 0 || sf.drain < 0 {
		return cfg, sf, usagef("durations must be positive")
	}
	if sf.maxPayload <= 0 {
		return cfg, sf, usagef("--max-payload %d: must be a positive number of bytes", sf.maxPayload)
	}
	cfg.MaxPayload = sf.maxPayload
	for _, o := range strings.Split(sf.cors, ";") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.CORSOrigins = append(cfg.CORSOrigins, o)
		}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(sf.logLevel)); err != nil {
		return cfg, sf, usagef("--log-level %q: want debug, info, warn or error", sf.logLevel)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	return cfg, sf, nil
}
