package webui

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stampede-sio/stampede/refserver/sio"
)

// Config sets up an App. Zero values are defaults.
type Config struct {
	Profile    Profile
	Secret     []byte      // WEBUI_SECRET_KEY; required
	Population *Population // default: Generate(DefaultSizes)
	// HeartbeatInterval is served to clients as
	// features.websocket_heartbeat_interval (SESS-1); default 30s, clamped
	// to 5s–90s as upstream does.
	HeartbeatInterval time.Duration
	// SessionTimeout is the reaper's period and age limit (SESS-3); default
	// max(4 × HeartbeatInterval, 120s).
	SessionTimeout time.Duration
	// DocStore keeps document updates (DOC-2); default in memory.
	DocStore DocStore
	// Sessions, Usage and Revocations are the session pool (AUTH-2), the
	// usage pool (CHAT-4) and the revocation keys (AUTH-6); default in
	// memory, in Redis when several instances share them (SCALE-2).
	Sessions    SessionPool
	Usage       UsageStore
	Revocations Revocations
	// SessionLock and UsageLock elect the instance that runs each reaper
	// (SESS-5); nil for a single instance.
	SessionLock, UsageLock Locker
	// Cluster carries the app's own messages to the other instances
	// (SCALE-1); nil for a single instance.
	Cluster Cluster
	// LockTimeout is the reaper locks' lifetime (WEBSOCKET_REDIS_LOCK_TIMEOUT,
	// default DefaultLockTimeout); they are renewed at half of it.
	LockTimeout time.Duration
	// EnableWebsocket is served as features.enable_websocket (CLIENT-2).
	EnableWebsocket bool
	Version         string
	DeploymentID    string
	Faults          Faults
	Logger          *slog.Logger
}

// Cluster is the app's link to the other instances of a deployment: the
// refserver's Redis broker.
type Cluster interface {
	// Publish sends body to the other instances' handler for method.
	Publish(method string, body any) error
	// Handle registers the handler of method; called before serving.
	Handle(method string, fn func(json.RawMessage))
}

// Namespace is the open-webui namespace.
const Namespace = "/"

// DefaultLockTimeout is Config.LockTimeout's default, open-webui's
// WEBSOCKET_REDIS_LOCK_TIMEOUT (60s); refserver.Config reads it too.
const DefaultLockTimeout = 60 * time.Second

// App is the open-webui application layer.
type App struct {
	cfg      Config
	log      *slog.Logger
	pop      *Population
	auth     *Auth
	revoked  Revocations
	sessions SessionPool
	usage    UsageStore
	sio      *sio.Server
	reads    sync.Map // "channel:{id}:{user}" → last_read_at
	streams  *streamSet
	relay    *docRelay

	reaperStats ReaperStats
}

// ErrNoSecret means Config.Secret is empty.
var ErrNoSecret = errors.New("webui: no secret key")

// New returns an App; Attach it to the Socket.IO server before serving.
func New(cfg Config) (*App, error) {
	if len(cfg.Secret) == 0 {
		return nil, ErrNoSecret
	}
	if cfg.Population == nil {
		cfg.Population = Generate(DefaultSizes)
	}
	if cfg.HeartbeatInterval == 0 {
		cfg.HeartbeatInterval = 30 * time.Second
	}
	cfg.HeartbeatInterval = min(max(cfg.HeartbeatInterval, 5*time.Second), 90*time.Second)
	if cfg.SessionTimeout == 0 {
		cfg.SessionTimeout = max(4*cfg.HeartbeatInterval, 120*time.Second)
	}
	if cfg.Profile.Name == "" {
		cfg.Profile = ProfileDocumented
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.DocStore == nil {
		cfg.DocStore = NewMemoryDocStore()
	}
	if cfg.Sessions == nil {
		cfg.Sessions = NewMemorySessions()
	}
	if cfg.Usage == nil {
		cfg.Usage = NewUsagePool()
	}
	if cfg.Revocations == nil {
		cfg.Revocations = NewMemoryRevocations()
	}
	if cfg.LockTimeout <= 0 {
		cfg.LockTimeout = DefaultLockTimeout
	}
	a := &App{
		cfg: cfg, log: cfg.Logger, pop: cfg.Population, revoked: cfg.Revocations,
		sessions: cfg.Sessions, usage: cfg.Usage, streams: newStreamSet(),
	}
	a.relay = newDocRelay(cfg.DocStore, cfg.Population, cfg.Logger)
	a.relay.saveNote = func(note string, data []byte) { a.change(popChange{Op: "save-note", Note: note, Data: data}) }
	if cfg.Cluster != nil {
		cfg.Cluster.Handle(msgDisconnectToken, a.onDisconnectToken)
		cfg.Cluster.Handle(msgPopulation, a.onPopulation)
	}
	a.auth = NewAuth(cfg.Secret, cfg.Population, cfg.Revocations)
	a.auth.AcceptAny = cfg.Faults.AcceptBadTokens
	return a, nil
}

// Stop ends the App's background work: running streams are cancelled and
// pending note saves are written at once. The refserver calls it at Shutdown.
func (a *App) Stop() {
	a.StopStreams()
	a.relay.flushSaves()
}

// Attach gives the App the Socket.IO server its namespace runs on.
func (a *App) Attach(s *sio.Server) { a.sio = s }

// Config returns the effective configuration.
func (a *App) Config() Config { return a.cfg }

// Population returns the users, channels and notes.
func (a *App) Population() *Population { return a.pop }

// Sessions returns the session pool.
func (a *App) Sessions() SessionPool { return a.sessions }

// Run runs the session reaper (SESS-3) and the usage reaper (CHAT-4) until
// ctx is done. With locks (SESS-5), each reaper runs on the one instance
// that holds its lock.
func (a *App) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		a.reaper(ctx, "session", a.cfg.SessionLock, a.cfg.SessionTimeout, a.reapSessions)
	}()
	go func() {
		defer wg.Done()
		a.reaper(ctx, "usage", a.cfg.UsageLock, usageTimeout, a.reapUsage)
	}()
	wg.Wait()
}

func (a *App) reapSessions(now time.Time) {
	if a.cfg.Faults.NoSessionReaper { // the fault breaks SESS-3
		return
	}
	gone, err := a.sessions.Expire(now.Add(-a.cfg.SessionTimeout).Unix())
	if err != nil {
		a.log.Warn("session reaper failed", "err", err)
	}
	a.log.Debug("session reaper", "removed", len(gone))
}

func (a *App) reapUsage(now time.Time) {
	if a.cfg.Faults.NoUsageReaper { // the fault breaks CHAT-4
		return
	}
	if err := a.usage.Expire(now.Add(-usageTimeout).Unix()); err != nil {
		a.log.Warn("usage reaper failed", "err", err)
	}
}

// usageTimeout is CHAT-4's 3 s: entries older are reaped every 3 s.
const usageTimeout = 3 * time.Second

// socketState is what the app keeps on each socket of its namespace.
type socketState struct {
	mu     sync.Mutex
	userID string // the session's user, kept to re-create a reaped entry (SESS-2)
	jti    string // the id of the token that set the session, for AUTH-6
	docs   map[string]bool
	gone   bool // disconnected: no more session or usage writes
	// entry is this instance's copy of the socket's session, what handlers
	// read (AUTH-7), as upstream reads python-socketio's per-socket session:
	// no Redis round trip per event, and local events keep working while
	// Redis is away (SCALE-3).
	entry atomic.Pointer[SessionEntry]
}

// live runs fn under the state's lock unless the socket has disconnected,
// so that no session or usage entry written by a handler outlives its
// socket when a disconnect from another goroutine races it (SESS-4).
func (st *socketState) live(fn func()) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.gone {
		fn()
	}
}

// end marks the socket gone; writes after it are dropped.
func (st *socketState) end() {
	st.mu.Lock()
	st.gone = true
	st.mu.Unlock()
}

func state(s *sio.Socket) *socketState {
	st, _ := s.Data().(*socketState)
	if st == nil {
		return &socketState{}
	}
	return st
}

func (st *socketState) user() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.userID
}

func (st *socketState) setUser(id, jti string) (previous string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	previous, st.userID, st.jti = st.userID, id, jti
	return previous
}

func (st *socketState) tokenID() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.jti
}

// session returns the session of a socket (AUTH-7): identity always comes
// from here, never from payload fields. It is the copy set at connect,
// user-join and heartbeat; the pool entry may have been reaped meanwhile
// (SESS-3), which does not end the socket's session.
func (a *App) session(s *sio.Socket) (SessionEntry, bool) {
	return sessionIn(state(s))
}

func sessionIn(st *socketState) (SessionEntry, bool) {
	if e := st.entry.Load(); e != nil {
		return *e, true
	}
	return SessionEntry{}, false
}

// emit sends an event to a room of the open-webui namespace, skipping the
// socket except (when non-empty). All server-originated traffic goes
// through here, so that a broker can carry it to other instances.
func (a *App) emit(room, except, event string, payload any) int {
	n, err := a.sio.Emit(sio.Broadcast{Namespace: Namespace, Rooms: []string{room}, Except: except}, event, payload)
	if err != nil {
		a.log.Warn("emit failed", "room", room, "event", event, "err", err)
	}
	return n
}

// firstArg decodes the first event argument into v; false when absent or
// not of v's shape (bad payloads are ignored, never a crash).
func firstArg(ev *sio.Event, v any) bool {
	var args []json.RawMessage
	if json.Unmarshal(ev.Args, &args) != nil || len(args) == 0 {
		return false
	}
	return json.Unmarshal(args[0], v) == nil
}

func now() int64 { return time.Now().Unix() }
