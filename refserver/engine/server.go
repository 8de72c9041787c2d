package engine

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/refserver/limit"
)

// Config sets up a Server. The zero value of every field is its documented
// default.
type Config struct {
	PingInterval time.Duration // default DefaultPingInterval, 25s (EIO-4)
	PingTimeout  time.Duration // default DefaultPingTimeout, 20s
	MaxPayload   int           // bytes, default DefaultMaxPayload, 1000000 (EIO-10)
	// Transports the server accepts: "websocket", "polling" or both, in which
	// case polling sessions may upgrade (EIO-14). Default: websocket only.
	Transports []string
	// CORSOrigins is the allow-list of EIO-12; empty or "*" allows every origin.
	CORSOrigins []string
	// WriteTimeout bounds one websocket write; default 10s.
	WriteTimeout time.Duration
	// MaxQueue is how many frames may wait for a slow client before the
	// session is closed as a slow consumer (LIM-6); default DefaultMaxQueue, 4096.
	MaxQueue int
	// Limits counts and logs the limits this server applies (LIM-3, LIM-6);
	// nil counts nothing.
	Limits *limit.Reporter
	// Faults are off by default; they break one conformance case or
	// remove one limit each (faults.go).
	Faults
	// OnOpen is called for every new session and returns its Handler.
	OnOpen func(*Session) Handler
	Logger *slog.Logger
}

// Handler receives one session's message packets and its close. Calls for one
// session are sequential and in arrival order.
type Handler interface {
	OnMessage(s *Session, p engineio.Packet)
	OnClose(s *Session, reason error)
}

// Server is an Engine.IO server; mount it on an http.ServeMux at its path.
type Server struct {
	cfg      Config
	log      *slog.Logger
	upgrader websocket.Upgrader
	polling  bool
	ws       bool
	stats    Stats
	writers  *writePool // drains busy websocket sessions (writepool.go)
	timers   pingTimers // every session's ping timer (timers.go)
	epoch    time.Time  // the origin of clock

	mu       sync.Mutex
	sessions map[string]*Session
	closing  atomic.Bool
	wg       sync.WaitGroup // one per open session
}

// writeBufferPool is shared by every websocket so that idle connections hold
// no write buffer (PERFORMANCE.md).
var writeBufferPool sync.Pool

// New returns a Server for cfg.
func New(cfg Config) *Server {
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = DefaultPingInterval
	}
	if cfg.PingTimeout <= 0 {
		cfg.PingTimeout = DefaultPingTimeout
	}
	if cfg.MaxPayload <= 0 {
		cfg.MaxPayload = DefaultMaxPayload
	}
	if len(cfg.Transports) == 0 {
		cfg.Transports = []string{engineio.TransportWebsocket}
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = defaultWriteTimeout
	}
	if cfg.MaxQueue <= 0 {
		cfg.MaxQueue = DefaultMaxQueue
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg:      cfg,
		log:      cfg.Logger,
		polling:  slices.Contains(cfg.Transports, engineio.TransportPolling),
		ws:       slices.Contains(cfg.Transports, engineio.TransportWebsocket),
		sessions: make(map[string]*Session),
		writers:  newWritePool(),
		epoch:    time.Now(),
	}
	s.timers.clock = s.clock
	s.upgrader = websocket.Upgrader{
		// Every session keeps its read buffer for life: 256 bytes hold a
		// typical client message with its header, so it still comes in
		// one read; a larger one takes a second read, straight into the
		// message (readAll), not through the buffer. 512 cost 256 bytes
		// more per idle session (issue 16).
		ReadBufferSize:  256,
		WriteBufferSize: 1024,
		WriteBufferPool: &writeBufferPool,
		CheckOrigin:     func(*http.Request) bool { return true }, // checked by s.originAllowed
	}
	return s
}

// clock is the time since New on the monotonic clock: a session keeps its
// times in 8 bytes instead of a time.Time's 24.
func (s *Server) clock() time.Duration { return time.Since(s.epoch) }

// Stats returns the live counters.
func (s *Server) Stats() *Stats { return &s.stats }

// Config returns the effective configuration, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// payloadLimit is the size limit applied to incoming messages and POST
// bodies: MaxPayload, unless the enforce-payload fault says otherwise.
func (s *Server) payloadLimit() int {
	if s.cfg.EnforcePayload > 0 {
		return s.cfg.EnforcePayload
	}
	return s.cfg.MaxPayload
}

// SessionCount is the number of open sessions.
func (s *Server) SessionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// ServeHTTP routes a request by its query: a handshake without sid, or a
// polling request or websocket upgrade for an existing sid (EIO-1 … EIO-3).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.cors(w, r) {
		s.fail(w, FailForbiddenOrigin)
		return
	}
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	q := r.URL.Query()
	transport := q.Get("transport")
	if !s.transportOn(transport) {
		s.fail(w, FailUnknownTransport)
		return
	}
	if sid := q.Get("sid"); sid != "" {
		s.serveSession(w, r, sid, transport)
		return
	}
	s.handshake(w, r, q.Get("EIO"), transport)
}

func (s *Server) transportOn(t string) bool {
	return (t == engineio.TransportPolling && s.polling) || (t == engineio.TransportWebsocket && s.ws)
}

func (s *Server) serveSession(w http.ResponseWriter, r *http.Request, sid, transport string) {
	sess := s.lookup(sid)
	if sess == nil {
		s.fail(w, FailUnknownSID)
		return
	}
	switch {
	case transport == engineio.TransportWebsocket:
		s.upgrade(w, r, sess)
	case r.Method == http.MethodGet:
		sess.servePollGet(w, r)
	case r.Method == http.MethodPost:
		sess.servePollPost(w, r)
	default:
		s.fail(w, FailBadRequest)
	}
}

// handshake opens a session (EIO-2, EIO-4).
func (s *Server) handshake(w http.ResponseWriter, r *http.Request, eio, transport string) {
	switch {
	case s.closing.Load():
		s.stats.Failures[FailShuttingDown].Add(1)
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	case r.Method != http.MethodGet:
		s.fail(w, FailBadMethod)
		return
	case eio != engineio.Protocol:
		s.fail(w, FailUnsupportedProtocol)
		return
	case transport == engineio.TransportWebsocket && !websocket.IsWebSocketUpgrade(r):
		s.fail(w, FailBadRequest) // EIO-13
		return
	}
	if transport == engineio.TransportWebsocket {
		s.openWebsocket(w, r)
		return
	}
	sess := s.newSession(engineio.TransportPolling)
	if sess == nil {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	sess.start() // before the answer: the client's pingInterval starts after ours (EIO-5)
	sess.writePollBody(w, engineio.AppendText(nil, sess.openPacket()))
}

// fail answers an Engine.IO HTTP error with Node's JSON body.
func (s *Server) fail(w http.ResponseWriter, f HandshakeFailure) {
	s.stats.Failures[f].Add(1)
	code := f.code()
	status := code.HTTPStatus()
	if f == FailForbiddenOrigin {
		// EIO-12: a foreign Origin gets 400, as python-engineio answers;
		// Node's 403 is for its allowRequest hook, which we do not have.
		status = http.StatusBadRequest
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(code.Body())
}

// cors applies EIO-12: with an allow-list, a request whose Origin is not on
// it is refused; a request without Origin is not.
func (s *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if !s.originAllowed(origin) {
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
		}
	}
	return true
}

func (s *Server) originAllowed(origin string) bool {
	if len(s.cfg.CORSOrigins) == 0 {
		return true
	}
	for _, o := range s.cfg.CORSOrigins {
		if o == "*" || o == origin {
			return true
		}
	}
	return false
}

func (s *Server) lookup(sid string) *Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[sid]
}

// newSession registers a session, or returns nil while shutting down.
func (s *Server) newSession(transport string) *Session {
	sess := newSession(s, newID(), transport)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return nil
	}
	s.sessions[sess.id] = sess
	s.wg.Add(1)
	s.stats.Handshakes.Add(1)
	s.transportGauge(transport).Add(1)
	return sess
}

func (s *Server) remove(sess *Session) {
	s.mu.Lock()
	_, ok := s.sessions[sess.id]
	delete(s.sessions, sess.id)
	s.mu.Unlock()
	if ok {
		s.wg.Done()
	}
}

func (s *Server) transportGauge(t string) *atomic.Int64 {
	if t == engineio.TransportWebsocket {
		return &s.stats.SessionsWebsocket
	}
	return &s.stats.SessionsPolling
}

// StopAccepting refuses new handshakes from now on; Shutdown does it too.
func (s *Server) StopAccepting() { s.closing.Store(true) }

// Shutdown stops new handshakes, closes every session (a close frame on
// websocket, packet `1` on polling), and waits for them to end until ctx is
// done; then it drops what is left. It returns ctx.Err() when it had to.
func (s *Server) Shutdown(ctx context.Context) error {
	s.StopAccepting()
	for _, sess := range s.snapshot() {
		sess.Close(ErrServerShutdown)
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, sess := range s.snapshot() {
			sess.fail(ErrServerShutdown)
		}
		<-done
		return ctx.Err()
	}
}

func (s *Server) snapshot() []*Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		out = append(out, sess)
	}
	return out
}

// newID returns a 20-character URL-safe random id, as Node's engine.io does.
func newID() string {
	var b [15]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
