package refserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stampede-sio/stampede/internal/protocol/socketio"
	"github.com/stampede-sio/stampede/refserver/engine"
	"github.com/stampede-sio/stampede/refserver/limit"
	"github.com/stampede-sio/stampede/refserver/sio"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// EnginePath is where the raw Engine.IO echo (ECHO-1) is served in every mode.
const EnginePath = "/engine.io"

// Server is the reference server.
type Server struct {
	cfg    Config
	log    *slog.Logger
	app    *engine.Server // Socket.IO at cfg.Path
	raw    *engine.Server // raw Engine.IO echo at EnginePath
	sio    *sio.Server
	limits *limit.Reporter // LIM-1 … LIM-7 counts and warn lines
	mux    *http.ServeMux
	http   *http.Server
	fresh  freshConns // http's connections without a request yet, closed by Shutdown
	closed chan struct{}
	once   sync.Once
	group  atomic.Pointer[Processes] // serve --processes: how many of the group are up

	webui   *webui.App // nil in lab mode
	scale   *scale     // nil without Redis
	stopApp context.CancelFunc
	appDone chan struct{}
}

// New builds a Server; it serves nothing until used as a handler or Serve.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, limits: limit.New(cfg.Logger), mux: http.NewServeMux(), closed: make(chan struct{})}
	// Built here, not in Serve, so that a Shutdown racing Serve (a signal at
	// start-up) reaches it: Serve then returns at once.
	s.http = &http.Server{Handler: s, ErrorLog: slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelDebug), ConnState: s.fresh.observe}
	s.ConfigureHTTP(s.http) // LIM-5
	getSIO := func() *sio.Server { return s.sio }
	var authGap time.Duration
	if cfg.Lab {
		authGap = labAuthGap
	}
	nsps := []*sio.Namespace{echoNamespace("/echo", getSIO, authGap)}
	if cfg.RedisURL != "" {
		if s.scale, err = newScale(cfg); err != nil {
			return nil, err
		}
	}
	if cfg.Lab {
		nsps = append(nsps, echoNamespace("/", getSIO, authGap), echoNamespace("/custom", getSIO, authGap))
	} else {
		if s.webui, err = newApp(cfg, s.scale); err != nil {
			s.closeScale()
			return nil, fmt.Errorf("%w: %v", ErrConfig, err)
		}
		nsps = append(nsps, s.webui.Namespace())
	}
	s.sio = sio.New(cfg.Logger, nsps...)
	s.sio.SetFaults(cfg.Faults.SIO)
	s.sio.SetLimits(s.sioLimits())
	if s.scale != nil {
		s.scale.broker.Attach(s.sio)
	}
	s.startApp(s.sio)
	s.app = engine.New(s.engineConfig(s.sio.OnOpen))
	s.raw = engine.New(s.engineConfig(func(*engine.Session) engine.Handler { return rawEcho{} }))

	mount(s.mux, cfg.Path, s.app)
	mount(s.mux, EnginePath, s.raw)
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.Handle("GET /metrics", s.metricsHandler())
	return s, nil
}

func (s *Server) engineConfig(onOpen func(*engine.Session) engine.Handler) engine.Config {
	var writeTimeout time.Duration // the engine's default
	if s.cfg.Faults.Engine.NoQueueLimit {
		// A server without LIM-6 has no write timeout either: the timeout
		// would close a client that reads nothing just as the queue
		// limit does, and the fault must leave nothing that does.
		writeTimeout = 24 * time.Hour
	}
	return engine.Config{
		WriteTimeout: writeTimeout,
		PingInterval: s.cfg.PingInterval,
		PingTimeout:  s.cfg.PingTimeout,
		MaxPayload:   s.cfg.MaxPayload,
		Transports:   s.cfg.Transports,
		CORSOrigins:  s.cfg.CORSOrigins,
		OnOpen:       onOpen,
		Logger:       s.log,
		MaxQueue:     s.cfg.MaxQueue,
		Limits:       s.limits,
		Faults:       s.cfg.Faults.Engine,
	}
}

// sioLimits are LIM-1, LIM-2 and LIM-4, less the faults that remove them.
func (s *Server) sioLimits() sio.Limits {
	f := s.cfg.Faults.Limits
	dec := &socketio.Limits{CheckPlaceholders: !f.NoPlaceholderCheck}
	if !f.NoAttachmentLimit {
		dec.MaxAttachments, dec.MaxBytes = s.cfg.MaxAttachments, s.cfg.MaxPayload
	}
	l := sio.Limits{Decoder: dec, Reporter: s.limits}
	if !f.NoConnectTimeout {
		l.ConnectTimeout = s.cfg.ConnectTimeout
	}
	return l
}

// mount serves h at path with and without the trailing slash, as
// socket.io-client asks for "/path/".
func mount(mux *http.ServeMux, path string, h http.Handler) {
	mux.Handle(path+"/", h)
	mux.Handle(path, h)
}

// Config returns the effective configuration, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Limits returns the counts of section 12's limits.
func (s *Server) Limits() *limit.Reporter { return s.limits }

// SocketIO returns the Socket.IO layer (rooms, sockets, broadcast).
func (s *Server) SocketIO() *sio.Server { return s.sio }

// ServeHTTP serves every endpoint of the refserver.
// With Redis, every answer names the instance that gave it
// (X-Stampede-Instance), to see how a load balancer or SO_REUSEPORT spread
// the connections.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	markServing(r) // LIM-5: a close after this is no header timeout
	if s.scale != nil {
		w.Header().Set("X-Stampede-Instance", s.scale.broker.HostID())
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	h := health{Status: "ok"}
	select {
	case <-s.closed:
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"status":"draining"}`))
		return
	default:
	}
	switch {
	case s.scale == nil:
	case !s.scale.broker.Stats().Subscribed.Load(): // serving this instance's sockets alone (SCALE-3)
		h.Redis = "down"
	case s.scale.health.ping(s.scale.client) != nil: // connected, but Redis does not answer
		h.Redis = "unresponsive"
	default:
		h.Redis = "subscribed"
	}
	if g := s.group.Load(); g != nil {
		h.Processes = g
		if g.Up < g.Of {
			h.Status = "degraded"
		}
	}
	body, _ := json.Marshal(h)
	w.Write(body)
}

// Serve accepts connections on ln until Shutdown. It returns nil after a
// Shutdown, else the listener's error.
func (s *Server) Serve(ln net.Listener) error {
	err := s.http.Serve(s.WrapListener(ln)) // LIM-5, LIM-7
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting, closes every session (websocket close frames,
// polling `1`), and waits for them to drain until ctx is done; then it
// closes what is left and returns ctx.Err().
func (s *Server) Shutdown(ctx context.Context) error {
	s.once.Do(func() { close(s.closed) })
	if s.webui != nil {
		s.webui.Stop() // before http.Shutdown, which waits for wait:true streams
	}
	for _, e := range []*engine.Server{s.app, s.raw} {
		e.StopAccepting() // before anything else: no handshake slips in while draining
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i, e := range []*engine.Server{s.app, s.raw} {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = e.Shutdown(ctx) }()
	}
	// Sessions first, the listener after: a polling client between two GETs
	// must still get through to fetch its `1`. The engines refuse new
	// handshakes meanwhile.
	wg.Wait()
	s.fresh.close() // else net/http waits up to 5 s for each unused connection
	errs[2] = s.http.Shutdown(ctx)
	if s.stopApp != nil {
		s.stopApp()
		<-s.appDone
	}
	s.closeScale()
	return errors.Join(errs...)
}

func (s *Server) closeScale() {
	if s.scale != nil {
		s.scale.close()
	}
}

// SessionCount is the number of open Engine.IO sessions at Config.Path.
func (s *Server) SessionCount() int { return s.app.SessionCount() }
