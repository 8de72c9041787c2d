package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/engine"
	"github.com/stampede-sio/stampede/refserver/webui"
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
  --max-attachments N    binary attachments one packet may announce; together they are at
                         most --max-payload bytes (default 16) (LIM-1)
  --connect-timeout D    a session with no Socket.IO CONNECT by then is closed (default 45s) (LIM-4)
  --read-header-timeout D a request's headers must arrive within D (default 10s) (LIM-5)
  --idle-timeout D       an idle keep-alive connection is closed after D (default 60s) (LIM-5)
  --max-queue N          packets queued for one client before it is closed as a slow consumer
                         (default 4096) (LIM-6)
  --drain-timeout D      how long shutdown waits for sessions to close (default 5s)
  --profile NAME         documented | open-webui: where the seeds and upstream differ (default documented)
  --secret S             token signing key [WEBUI_SECRET_KEY]; when neither is set, a key is
                         generated once and kept in the file named on stderr
  --users N              size of the generated population (default 20000)
  --channels N           channels c0001 … (default 200); c0001 has every user
  --notes N              notes n0001 … (default 200)
  --fixtures FILE        a YAML population instead of the generated one
  --heartbeat-interval D served as features.websocket_heartbeat_interval, clamped 5s–90s
                         (default 30s) [WEBSOCKET_HEARTBEAT_INTERVAL, seconds]
  --session-timeout D    session reaper period and age limit (default max(4 × heartbeat, 120s))
  --fault NAME[=ARG]     inject a fault, repeatable: accept-bad-tokens, drop-acks, no-ping,
                         leak-user-rooms, echo-typing-to-others-only, delay-events=200ms
                         (delay-events-above=N: only while more than N sockets are connected);
                         each limit removed: no-attachment-limit, no-placeholder-check,
                         accept-invalid-utf8, no-connect-timeout, no-http-timeouts, no-queue-limit
  --manager NAME         local | redis: with redis, several instances share one deployment
                         through Redis (default local; redis when --redis-url is given) [WEBSOCKET_MANAGER]
  --redis-url URL        Redis for --manager redis (default redis://127.0.0.1:6379/0) [WEBSOCKET_REDIS_URL]
  --redis-key-prefix P   prefix of the Redis keys (default open-webui) [REDIS_KEY_PREFIX]
  --redis-lock-timeout D reaper lock lifetime, renewed at half of it (default 60s)
                         [WEBSOCKET_REDIS_LOCK_TIMEOUT, seconds]
  --redis-channel NAME   pub/sub channel (default socketio); deployments sharing a Redis need distinct ones
  --processes N          run N processes on --addr (SO_REUSEPORT), one deployment through Redis:
                         more sessions than one process's ~20,000 open files allow (default 1;
                         needs --manager redis and --transports websocket); a process that dies is
                         logged and restarted (backoff 0.5s doubling to 30s), and /healthz on any of
                         them reports "processes":{"up":U,"of":N}, "status":"degraded" when U < N
  --redis-room-channels  publish each room's emits on its own channel socketio#/#ROOM (default
                         true; false: the one channel socketio) [WEBSOCKET_REDIS_ROOM_CHANNELS]
  --lab                  echo lab: path /socket.io, namespaces / and /custom echo,
                         polling,websocket, pings 300ms/200ms (other flags still override)
  --log-level LEVEL      debug | info | warn | error (default info)
  --debug-addr ADDR      serve Go's net/http/pprof profiles on ADDR (off by default)

Examples:
  stampede serve
  stampede serve --addr 127.0.0.1:9000 --transports polling,websocket
  stampede serve --lab --addr 127.0.0.1:3000
  stampede serve --profile open-webui --users 50000 --heartbeat-interval 10s
  stampede serve --ping-interval 1s --ping-timeout 1s --session-timeout 5s   # fast conformance runs
  stampede serve --fault drop-acks --fault delay-events=200ms
  stampede serve --connect-timeout 2s --read-header-timeout 2s --idle-timeout 2s  # check --layer limits
  stampede serve --addr 127.0.0.1:8081 --manager redis --secret s   # two instances of one
  stampede serve --addr 127.0.0.1:8082 --manager redis --secret s   # deployment, joined by Redis
  stampede serve --processes 3 --manager redis --users 60000        # 3 processes, one port
  WEBSOCKET_SERVER_PING_INTERVAL=5 stampede serve --ping-timeout 2s
`

var serveCommand = command{
	summary: "run the reference Socket.IO server",
	usage:   serveUsage,
	runE:    runServe,
}

type serveFlags struct {
	addr, path, transports, cors, logLevel string
	debugAddr                              string
	pingInterval, pingTimeout, drain       time.Duration
	maxPayload                             int
	lab                                    bool

	// Section 12's limits (LIM-1, LIM-4 … LIM-6).
	maxAttachments, maxQueue                       int
	connectTimeout, readHeaderTimeout, idleTimeout time.Duration

	profile, secret, fixtures string
	users, channels, notes    int
	heartbeat, sessionTimeout time.Duration
	faults                    refserver.Faults

	manager, redisURL, redisPrefix string
	redisChannel                   string
	redisLockTimeout               time.Duration
	redisRoomChannels              bool

	processes   int  // --processes: this many processes share the address
	reusePort   bool // --reuseport (internal): listen with SO_REUSEPORT, as one of those processes
	groupStatus bool // --group-status (internal): read the group's state from stdin, for /healthz
}

func runServe(ctx context.Context, e env, args []string) error {
	cfg, sf, err := parseServe(e, args)
	if err != nil {
		return err // flag.ErrHelp: the usage was printed, exit 0
	}
	if !cfg.Lab {
		if err := appSetup(e, &cfg, sf); err != nil {
			return err
		}
	}
	if eff, err := cfg.WithDefaults(); err == nil { // a bad config is New's to report
		if err := checkProcesses(sf, eff.RedisURL != "", eff.Transports); err != nil {
			return err
		}
	}
	srv, err := refserver.New(cfg)
	if err != nil {
		return err
	}
	ln, err := listenServe(sf.addr, sf.reusePort || sf.processes > 1)
	if err != nil {
		return fmt.Errorf("failed to listen: %w", err)
	}
	var kids *children
	if sf.processes > 1 {
		if kids, err = startChildren(e, sf.processes-1, childArgs(args, ln.Addr().String()), cfg.Logger, srv.SetProcesses); err != nil {
			ln.Close()
			return err
		}
		defer kids.stop(sf.drain + 2*time.Second)
	}
	if sf.groupStatus {
		go followGroup(os.Stdin, srv)
	}
	if sf.debugAddr != "" {
		if err := serveDebug(sf.debugAddr); err != nil {
			ln.Close()
			return fmt.Errorf("--debug-addr: %w", err)
		}
	}
	c := srv.Config()
	manager := ""
	if c.RedisURL != "" {
		manager = ", manager redis, prefix " + c.RedisKeyPrefix
	}
	if sf.processes > 1 {
		manager += fmt.Sprintf(", %d processes", sf.processes)
	}
	fmt.Fprintf(e.stdout, "stampede serve: ready on http://%s%s/ (transports %s, ping %s/%s, echo /echo and /engine.io/%s)\n",
		ln.Addr(), c.Path, strings.Join(c.Transports, ","), c.PingInterval, c.PingTimeout, manager)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	drainCtx, cancel := context.WithTimeout(context.Background(), sf.drain)
	defer cancel()
	if err := srv.Shutdown(drainCtx); err != nil {
		cfg.Logger.Warn("drain timed out; remaining sessions were dropped", "err", err)
	}
	<-served
	return nil // stopped cleanly by a signal: exit 0
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
	fs.IntVar(&sf.maxPayload, "max-payload", engine.DefaultMaxPayload, "")
	fs.StringVar(&sf.cors, "cors-origins", "", "")
	fs.DurationVar(&sf.drain, "drain-timeout", 5*time.Second, "")
	fs.IntVar(&sf.maxAttachments, "max-attachments", refserver.DefaultMaxAttachments, "")
	fs.IntVar(&sf.maxQueue, "max-queue", engine.DefaultMaxQueue, "")
	fs.DurationVar(&sf.connectTimeout, "connect-timeout", refserver.DefaultConnectTimeout, "")
	fs.DurationVar(&sf.readHeaderTimeout, "read-header-timeout", refserver.DefaultReadHeaderTimeout, "")
	fs.DurationVar(&sf.idleTimeout, "idle-timeout", refserver.DefaultIdleTimeout, "")
	fs.BoolVar(&sf.lab, "lab", false, "")
	fs.StringVar(&sf.logLevel, "log-level", "info", "")
	fs.StringVar(&sf.debugAddr, "debug-addr", "", "")
	fs.StringVar(&sf.profile, "profile", "documented", "")
	fs.StringVar(&sf.secret, "secret", "", "")
	fs.StringVar(&sf.fixtures, "fixtures", "", "")
	fs.IntVar(&sf.users, "users", webui.DefaultSizes.Users, "")
	fs.IntVar(&sf.channels, "channels", webui.DefaultSizes.Channels, "")
	fs.IntVar(&sf.notes, "notes", webui.DefaultSizes.Notes, "")
	fs.DurationVar(&sf.heartbeat, "heartbeat-interval", 0, "")
	fs.DurationVar(&sf.sessionTimeout, "session-timeout", 0, "")
	fs.Func("fault", "", sf.faults.Set)
	fs.StringVar(&sf.manager, "manager", "", "")
	fs.StringVar(&sf.redisURL, "redis-url", "", "")
	fs.StringVar(&sf.redisPrefix, "redis-key-prefix", "", "")
	fs.StringVar(&sf.redisChannel, "redis-channel", "", "")
	fs.DurationVar(&sf.redisLockTimeout, "redis-lock-timeout", 0, "")
	fs.BoolVar(&sf.redisRoomChannels, "redis-room-channels", true, "")
	fs.IntVar(&sf.processes, "processes", 1, "")
	fs.BoolVar(&sf.reusePort, "reuseport", false, "")
	fs.BoolVar(&sf.groupStatus, "group-status", false, "")
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
	if s := e.getenv("WEBSOCKET_HEARTBEAT_INTERVAL"); s != "" && !set["heartbeat-interval"] {
		d, err := envSeconds("WEBSOCKET_HEARTBEAT_INTERVAL", s)
		if err != nil {
			return err
		}
		sf.heartbeat = d
	}
	if s := e.getenv("CORS_ALLOW_ORIGIN"); s != "" && !set["cors-origins"] {
		sf.cors = s
	}
	return redisEnv(e, set, sf)
}

// redisEnv applies open-webui's Redis variables to flags not set, and
// resolves the manager: a --redis-url flag alone means redis.
func redisEnv(e env, set map[string]bool, sf *serveFlags) error {
	if s := e.getenv("WEBSOCKET_MANAGER"); s != "" && !set["manager"] {
		sf.manager = strings.ToLower(s)
	}
	if sf.manager == "" && set["redis-url"] {
		sf.manager = "redis"
	}
	switch sf.manager {
	case "", "local":
		sf.manager = "local"
	case "redis":
	default:
		return usagef("--manager %q: want local or redis", sf.manager)
	}
	if s := e.getenv("WEBSOCKET_REDIS_URL"); s != "" && !set["redis-url"] {
		sf.redisURL = s
	}
	if sf.redisURL == "" {
		sf.redisURL = "redis://127.0.0.1:6379/0"
	}
	if s := e.getenv("REDIS_KEY_PREFIX"); s != "" && !set["redis-key-prefix"] {
		sf.redisPrefix = s
	}
	if s := e.getenv("WEBSOCKET_REDIS_LOCK_TIMEOUT"); s != "" && !set["redis-lock-timeout"] {
		d, err := envSeconds("WEBSOCKET_REDIS_LOCK_TIMEOUT", s)
		if err != nil {
			return err
		}
		sf.redisLockTimeout = d
	}
	if s := e.getenv("WEBSOCKET_REDIS_ROOM_CHANNELS"); s != "" && !set["redis-room-channels"] {
		b, err := strconv.ParseBool(strings.ToLower(s))
		if err != nil {
			return usagef("WEBSOCKET_REDIS_ROOM_CHANNELS=%q: want true or false", s)
		}
		sf.redisRoomChannels = b
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
	cfg := refserver.Config{Path: sf.path, PingInterval: sf.pingInterval, PingTimeout: sf.pingTimeout, Lab: sf.lab,
		Profile: sf.profile, HeartbeatInterval: sf.heartbeat, SessionTimeout: sf.sessionTimeout, Faults: sf.faults,
		Version: version}
	if sf.heartbeat < 0 || sf.sessionTimeout < 0 {
		return cfg, sf, usagef("--heartbeat-interval and --session-timeout must be positive")
	}
	if sf.users < 1 || sf.channels < 0 || sf.notes < 0 {
		return cfg, sf, usagef("--users must be at least 1; --channels and --notes at least 0")
	}
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
	if err := serveLimits(&cfg, sf); err != nil {
		return cfg, sf, err
	}
	if sf.manager == "redis" {
		cfg.RedisURL = sf.redisURL
	}
	if sf.redisLockTimeout < 0 {
		return cfg, sf, usagef("--redis-lock-timeout must be positive")
	}
	cfg.RedisKeyPrefix, cfg.RedisLockTimeout, cfg.RedisSharedChannel = sf.redisPrefix, sf.redisLockTimeout, !sf.redisRoomChannels
	cfg.RedisChannel = sf.redisChannel
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

// serveLimits checks and applies the flags of section 12's limits.
func serveLimits(cfg *refserver.Config, sf serveFlags) error {
	if sf.maxAttachments <= 0 || sf.maxQueue <= 0 {
		return usagef("--max-attachments and --max-queue must be positive")
	}
	if sf.connectTimeout <= 0 || sf.readHeaderTimeout <= 0 || sf.idleTimeout <= 0 {
		return usagef("--connect-timeout, --read-header-timeout and --idle-timeout must be positive")
	}
	cfg.MaxAttachments, cfg.MaxQueue = sf.maxAttachments, sf.maxQueue
	cfg.ConnectTimeout, cfg.ReadHeaderTimeout, cfg.IdleTimeout = sf.connectTimeout, sf.readHeaderTimeout, sf.idleTimeout
	return nil
}

// appSetup resolves the secret and the population of the open-webui layer.
func appSetup(e env, cfg *refserver.Config, sf serveFlags) error {
	secret, from, created, err := resolveSecret(e, sf.secret, true)
	if err != nil {
		return err
	}
	switch {
	case created:
		fmt.Fprintf(e.stderr, "stampede serve: no --secret or WEBUI_SECRET_KEY: generated a key and wrote it to %s (mode 0600, this user's only)\n", from)
	case from != "--secret" && from != "WEBUI_SECRET_KEY":
		fmt.Fprintf(e.stderr, "stampede serve: no --secret or WEBUI_SECRET_KEY: using the key in %s\n", from)
	}
	cfg.Secret = secret
	if sf.fixtures == "" {
		cfg.Population = webui.Generate(webui.Sizes{Users: sf.users, Channels: sf.channels, Notes: sf.notes})
		return nil
	}
	f, err := os.Open(sf.fixtures)
	if err != nil {
		return usagef("--fixtures: %v", err)
	}
	defer f.Close()
	pop, err := webui.LoadFixtures(f)
	if err != nil {
		return usagef("--fixtures %s: %v", sf.fixtures, err)
	}
	cfg.Population = pop
	return nil
}
