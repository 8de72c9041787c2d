package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/stampede-sio/stampede/internal/excerpt"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// Socket is one Socket.IO namespace joined over a Conn (SIO-2). Several
// Sockets share a Conn. All methods are safe for concurrent use.
type Socket struct {
	conn *Conn
	nsp  string

	mu       sync.Mutex
	state    socketState
	id       string
	handlers map[string]func(Event)
	onAny    func(Event)
	peek     func(PeekedEvent) bool // OnEventPeek
	acks     ackTable
	nextAck  int64
	ready    chan struct{} // closed when a Connect has its answer
	connErr  error         // the answer, when it is a refusal
	reason   string
	done     chan struct{}
	after    []*afterDisconnect // AfterDisconnect callbacks not yet run

	lastName string // the last event's name, reused for the next (packet handling only)
}

// afterDisconnect is one AfterDisconnect registration (a pointer, so that
// stop finds its own).
type afterDisconnect struct{ f func() }

type socketState uint8

const (
	socketIdle socketState = iota
	socketConnecting
	socketConnected
	socketClosed
)

// Socket returns the Socket for namespace nsp ("/" when empty), creating an
// unconnected one if the Conn holds none. Register handlers on it before
// Connect so that no event sent right after the CONNECT reply (such as the
// echo server's `auth`, ECHO-2) is missed.
func (c *Conn) Socket(nsp string) *Socket {
	if nsp == "" {
		nsp = "/"
	} else if !strings.HasPrefix(nsp, "/") {
		nsp = "/" + nsp
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.sockets {
		if s.nsp == nsp {
			return s
		}
	}
	s := &Socket{conn: c, nsp: nsp, done: make(chan struct{})}
	if c.err != nil {
		s.state, s.reason = socketClosed, reasonFor(c.err)
		close(s.done)
		return s
	}
	c.sockets = append(c.sockets, s)
	return s
}

// Connect joins namespace nsp with the auth payload (nil for none; it must
// marshal to a JSON object) and waits for the answer: CONNECT with the
// Socket.IO sid, or a *ConnectError (SIO-3). ctx bounds the wait.
func (c *Conn) Connect(ctx context.Context, nsp string, auth any) (*Socket, error) {
	s := c.Socket(nsp)
	if err := s.Connect(ctx, auth); err != nil {
		return nil, err
	}
	return s, nil
}

// Connect sends CONNECT (`40`, `40{auth}`, `40/nsp,{auth}`) and waits for
// the answer. A Socket connects once; after a refusal or a disconnect, ask
// the Conn for a new one.
func (s *Socket) Connect(ctx context.Context, auth any) error {
	var data json.RawMessage
	if auth != nil {
		var err error
		if data, err = json.Marshal(auth); err != nil {
			return fmt.Errorf("client: marshal auth: %w", err)
		}
	}
	s.mu.Lock()
	switch s.state {
	case socketConnecting, socketConnected:
		s.mu.Unlock()
		return fmt.Errorf("client: Connect to %s: already connecting or connected", s.nsp)
	case socketClosed:
		err := fmt.Errorf("client: Connect to %s: %w (%s); ask the Conn for a new Socket", s.nsp, ErrDisconnected, s.reason)
		s.mu.Unlock()
		return err
	}
	s.state = socketConnecting
	s.ready = make(chan struct{})
	ready := s.ready
	s.mu.Unlock()
	p := socketio.Packet{Type: socketio.Connect, Namespace: s.nsp, ID: socketio.NoID, Data: data}
	if err := s.conn.sendSocketIO(ctx, p, nil); err != nil {
		s.end(s.conn.sendFailedReason(), err)
		return err
	}
	select {
	case <-ready:
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.connErr
	case <-ctx.Done():
		s.end(ReasonClientDisconnect, ctx.Err())
		return fmt.Errorf("client: connect to %s: %w", s.nsp, ctx.Err())
	}
}

// ID returns the Socket.IO sid the server assigned (not the Engine.IO sid).
func (s *Socket) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id
}

// Namespace returns the namespace, such as "/" or "/custom".
func (s *Socket) Namespace() string { return s.nsp }

// Conn returns the connection the Socket runs over.
func (s *Socket) Conn() *Conn { return s.conn }

// Connected reports whether the Socket is connected.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == socketConnected
}

// Disconnected is closed when the Socket has ended: Disconnect, a DISCONNECT
// from the server, a refused or abandoned Connect, or the Conn closing.
func (s *Socket) Disconnected() <-chan struct{} { return s.done }

// AfterDisconnect arranges for f to run in its own goroutine once the
// Socket has ended (when Disconnected is closed), as context.AfterFunc does
// for a context; at once if it has ended already. stop unregisters f and
// reports whether it did so before f was started. It lets a caller that only
// waits for the end hold no goroutine meanwhile.
func (s *Socket) AfterDisconnect(f func()) (stop func() bool) {
	a := &afterDisconnect{f: f}
	s.mu.Lock()
	if s.state == socketClosed {
		s.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	s.after = append(s.after, a)
	s.mu.Unlock()
	return func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, x := range s.after {
			if x == a {
				s.after = append(s.after[:i], s.after[i+1:]...)
				return true
			}
		}
		return false
	}
}

// Reason returns why the Socket ended (one of the Reason constants), or ""
// while it has not.
func (s *Socket) Reason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

// Disconnect sends DISCONNECT (`41`, `41/nsp,`; SIO-7) and ends the Socket
// with reason "io client disconnect". The Conn stays open (ECHO-6).
func (s *Socket) Disconnect() error {
	s.mu.Lock()
	st := s.state
	s.mu.Unlock()
	if st == socketClosed {
		return nil
	}
	var err error
	if st != socketIdle {
		p := socketio.Packet{Type: socketio.Disconnect, Namespace: s.nsp, ID: socketio.NoID}
		err = s.conn.sendSocketIO(context.Background(), p, nil)
	}
	s.end(ReasonClientDisconnect, ErrDisconnected)
	return err
}

// end removes the Socket from its Conn and finishes it.
func (s *Socket) end(reason string, cause error) {
	s.conn.removeSocket(s)
	s.finish(reason, cause)
}

// finish moves the Socket to its final state once; a pending Connect gets
// cause, pending acks see Disconnected.
func (s *Socket) finish(reason string, cause error) {
	s.mu.Lock()
	if s.state == socketClosed {
		s.mu.Unlock()
		return
	}
	if s.state == socketConnecting {
		var ce *ConnectError
		if errors.As(cause, &ce) {
			s.connErr = ce
		} else {
			s.connErr = fmt.Errorf("%w before CONNECT was answered (%s): %w", ErrDisconnected, reason, cause)
		}
		close(s.ready)
		s.ready = nil
	}
	s.state, s.reason, s.acks = socketClosed, reason, nil
	after := s.after
	s.after = nil
	s.mu.Unlock()
	close(s.done)
	for _, a := range after {
		go a.f()
	}
}

// onConnect handles the server's CONNECT answer `40{"sid":…}`. An answer
// nobody waits for is ignored (OnRaw has seen it).
func (s *Socket) onConnect(data json.RawMessage) {
	sid, ok := connectSID(data)
	bad := !ok
	s.mu.Lock()
	if s.state != socketConnecting {
		s.mu.Unlock()
		return
	}
	if !bad {
		s.state, s.id = socketConnected, sid
		close(s.ready)
		s.ready = nil // Connect holds its own copy; an idle Socket keeps none
	}
	s.mu.Unlock()
	if bad {
		s.end(ReasonParseError, fmt.Errorf("%w: CONNECT answer without sid: %s", socketio.ErrMalformed, excerpt.Of(data)))
	}
}

// connectSID reads the sid of a CONNECT answer. The common form,
// {"sid":"…"} with nothing to unescape, is read by hand: encoding/json's
// decoder would grow the read goroutine's stack, which is then kept for the
// life of the connection (doc.go). Anything else goes through encoding/json.
func connectSID(data []byte) (string, bool) {
	const prefix = `{"sid":"`
	if rest, ok := bytes.CutPrefix(data, []byte(prefix)); ok {
		if i := bytes.IndexByte(rest, '"'); i > 0 && string(rest[i:]) == `"}` && plainJSON(rest[:i]) {
			return string(rest[:i]), true
		}
	}
	var body struct {
		SID string `json:"sid"`
	}
	if json.Unmarshal(data, &body) != nil || body.SID == "" {
		return "", false
	}
	return body.SID, true
}

// plainJSON reports whether b is a JSON string's content as it is: no
// escapes, no control characters.
func plainJSON(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == '\\' {
			return false
		}
	}
	return true
}

// removeSocket forgets s, so that a later Socket(nsp) starts afresh.
func (c *Conn) removeSocket(s *Socket) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.sockets {
		if x == s {
			c.sockets = append(c.sockets[:i], c.sockets[i+1:]...)
			return
		}
	}
}

func (c *Conn) socketFor(nsp string) *Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.sockets {
		if s.nsp == nsp {
			return s
		}
	}
	return nil
}
