package sio

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stampede-sio/stampede/internal/protocol/socketio"
	"github.com/stampede-sio/stampede/refserver/engine"
	"github.com/stampede-sio/stampede/refserver/limit"
)

// EventHandler handles one event from a socket. It runs on the socket's read
// loop and must not block.
type EventHandler func(s *Socket, ev *Event)

// Namespace is a served namespace and its handlers. All fields are optional.
type Namespace struct {
	Name string
	// Authorize runs on CONNECT with the auth payload (nil when absent). A
	// non-nil error refuses the connection with CONNECT_ERROR carrying
	// {"message": err.Error()}, or the data of a *ConnectError.
	Authorize func(s *Socket, auth json.RawMessage) error
	// Connected runs after the CONNECT reply is queued; what it sends goes
	// out with the reply, in one write (engine.Session.Batch), so it must
	// not block.
	Connected func(s *Socket)
	// Disconnected runs once when the socket leaves the namespace, for any reason.
	Disconnected func(s *Socket, reason string)
	// Events maps event names to handlers. Events without one get no ack (SIO-4).
	Events map[string]EventHandler
}

// ConnectError refuses a CONNECT with this JSON payload.
type ConnectError struct{ Data json.RawMessage }

func (e *ConnectError) Error() string { return string(e.Data) }

// Server dispatches Engine.IO sessions to namespaces.
type Server struct {
	nsps    map[string]*Namespace
	hub     *Hub
	socksMu sync.RWMutex
	sockets map[string]*Socket // sid → socket; a sync.Map took ~110 bytes a socket against ~40 (issue 16)
	log     *slog.Logger
	stats   Stats
	faults  Faults
	limits  Limits
	adapter Adapter
}

// Limits are the Socket.IO layer's limits on broken and hostile clients
// (PROTOCOL.md section 12). The zero value applies none.
type Limits struct {
	// Decoder bounds attachments (LIM-1) and checks placeholders (LIM-2);
	// shared by every connection's decoder.
	Decoder *socketio.Limits
	// ConnectTimeout closes a session with no successful CONNECT to any
	// namespace by then (LIM-4); 0: never.
	ConnectTimeout time.Duration
	// Reporter counts and logs the limits' hits; nil: not counted.
	Reporter *limit.Reporter
}

// SetLimits switches limits on; call it before serving.
func (s *Server) SetLimits(l Limits) { s.limits = l }

// Adapter carries broadcasts and disconnects to the other instances of a
// deployment (SCALE-1); a Server without one is a single instance. Its
// methods must not block: they queue.
type Adapter interface {
	// PublishEmit sends a broadcast that was just delivered locally to the
	// other instances; data is the encoded `["event", args…]`.
	PublishEmit(b Broadcast, data json.RawMessage, attachments [][]byte)
	// PublishDisconnect asks whichever instance holds sid to disconnect it.
	PublishDisconnect(nsp, sid string)
}

// SetAdapter joins the Server to other instances; call it before serving.
func (s *Server) SetAdapter(a Adapter) { s.adapter = a }

// DisconnectSID disconnects the socket with this sid in namespace nsp (SIO-7
// `41`), here or, through the Adapter, on the instance that holds it. It
// reports whether the socket was local.
func (s *Server) DisconnectSID(nsp, sid string) bool {
	if sock := s.Socket(sid); sock != nil && sock.nsp.Name == nsp {
		sock.Disconnect()
		return true
	}
	if s.adapter != nil {
		s.adapter.PublishDisconnect(nsp, sid)
	}
	return false
}

// Faults are the Socket.IO layer's deliberate misbehaviours, off by
// default; the refserver's --fault names for them are in
// refserver/faults.go.
type Faults struct {
	DropAcks   bool          // SIO-4 (and ECHO-4, AUTH-4 through it): no ack is sent, ever
	EventDelay time.Duration // latency: each event waits this long before its handler runs
	// EventDelayAbove: EventDelay applies only while more sockets than
	// this are connected (0: always): a server that slows down past a
	// population, for capacity searches to find.
	EventDelayAbove int64
}

// SetFaults switches faults on; call it before serving.
func (s *Server) SetFaults(f Faults) { s.faults = f }

// Stats are the Socket.IO layer's counters.
type Stats struct {
	Sockets    atomic.Int64
	Deliveries atomic.Uint64 // sends to one socket by a broadcast
	Broadcasts atomic.Uint64
	Protocol   atomic.Uint64 // connections closed for a malformed packet
}

// Disconnect reasons, as socket.io names them.
const (
	ReasonClientDisconnect = "client namespace disconnect"
	ReasonServerDisconnect = "server namespace disconnect"
	ReasonTransportClose   = "transport close"
	ReasonPingTimeout      = "ping timeout"
	ReasonParseError       = "parse error"
	ReasonShutdown         = "server shutting down"
	ReasonTransportError   = "transport error"
	ReasonSlowConsumer     = "slow consumer" // LIM-6
)

// New returns a Server for the namespaces; their names must be distinct.
func New(log *slog.Logger, nsps ...*Namespace) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{nsps: make(map[string]*Namespace, len(nsps)), hub: newHub(), log: log, sockets: make(map[string]*Socket)}
	for _, n := range nsps {
		s.nsps[n.Name] = n
	}
	return s
}

// OnOpen is the engine.Config.OnOpen hook: it attaches a connection to the
// new Engine.IO session.
func (s *Server) OnOpen(sess *engine.Session) engine.Handler {
	c := &conn{srv: s, sess: sess}
	if d := s.limits.ConnectTimeout; d > 0 {
		// One timer while the session has no socket; stopped by the first
		// successful CONNECT, so connected sessions carry none (LIM-4).
		c.mu.Lock() // the timer may fire before the assignment is done
		c.connectTimer = time.AfterFunc(d, c.connectTimedOut)
		c.mu.Unlock()
	}
	return c
}

// Stats returns the live counters.
func (s *Server) Stats() *Stats { return &s.stats }

// Hub returns the room hub.
func (s *Server) Hub() *Hub { return s.hub }

// Socket returns the connected socket with this Socket.IO sid, or nil.
func (s *Server) Socket(sid string) *Socket {
	s.socksMu.RLock()
	defer s.socksMu.RUnlock()
	return s.sockets[sid]
}

func (s *Server) addSocket(sock *Socket) {
	s.socksMu.Lock()
	s.sockets[sock.id] = sock
	s.socksMu.Unlock()
}

func (s *Server) removeSocket(sock *Socket) {
	s.socksMu.Lock()
	delete(s.sockets, sock.id)
	s.socksMu.Unlock()
}

func newSID() string {
	var b [15]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
