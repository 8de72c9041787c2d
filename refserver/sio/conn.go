package sio

import (
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
	"github.com/stampede-sio/stampede/refserver/engine"
	"github.com/stampede-sio/stampede/refserver/limit"
)

// ErrProtocol closes a connection that sent a malformed packet (SIO-6).
var ErrProtocol = errors.New("sio: protocol error")

// ErrConnectTimeout closes a session that connected to no namespace within
// Limits.ConnectTimeout (LIM-4).
var ErrConnectTimeout = errors.New("sio: no CONNECT within the connect timeout")

// conn is the Socket.IO side of one Engine.IO session.
type conn struct {
	srv  *Server
	sess *engine.Session
	// dec holds a binary packet while it awaits its attachments, and is nil
	// otherwise: a decoder has no other state, and 112 bytes in every idle
	// connection were a fifth of its Socket.IO layer (issue 16).
	dec *socketio.Decoder
	// broken is set by a protocol error (OnMessage only; its calls are
	// serialised): what the client sends until the close completes is
	// dropped, as Node drops it.
	broken bool

	mu           sync.Mutex
	sockets      []*Socket   // one per connected namespace; usually one
	connectTimer *time.Timer // LIM-4, until the first CONNECT succeeds; nil after
}

var invalidNamespace = json.RawMessage(`{"message":"Invalid namespace"}`)

// OnMessage decodes one Engine.IO message and dispatches it.
func (c *conn) OnMessage(_ *engine.Session, p engineio.Packet) {
	if c.broken {
		return
	}
	msg, ok, err := socketio.DecodeHeld(&c.dec, c.srv.limits.Decoder, p.Data, p.Binary)
	if err != nil {
		c.protocolError(err)
		return
	}
	if c.srv.limits.Decoder != nil { // LIM-1: the next read may take what the awaited attachments still may
		budget := -1 // nothing awaited (Decoder.Budget)
		if c.dec != nil {
			budget = c.dec.Budget()
		}
		c.sess.LimitNextMessage(budget)
	}
	if ok {
		c.dispatch(msg)
	}
}

// protocolError closes the connection for a malformed packet (SIO-6),
// counting the limits of section 12 it broke.
func (c *conn) protocolError(err error) {
	c.broken = true
	c.srv.stats.Protocol.Add(1)
	c.sess.LimitNextMessage(-1) // what follows is read and dropped
	switch rep := c.srv.limits.Reporter; {
	case errors.Is(err, socketio.ErrAttachmentLimit):
		rep.Hit(limit.Attachments, "attachments over the limit; protocol error", "sid", c.sess.ID(), "err", err)
	case errors.Is(err, socketio.ErrBadPlaceholder):
		rep.Hit(limit.Placeholder, "placeholder num out of range; protocol error", "sid", c.sess.ID(), "err", err)
	default:
		c.srv.log.Debug("malformed packet", "sid", c.sess.ID(), "err", err)
	}
	c.sess.Close(ErrProtocol)
}

// connectTimedOut closes a session that has not connected to any
// namespace (LIM-4).
func (c *conn) connectTimedOut() {
	c.mu.Lock()
	pending := c.connectTimer != nil
	c.connectTimer = nil
	c.mu.Unlock()
	if !pending { // a CONNECT won the race
		return
	}
	c.srv.limits.Reporter.Hit(limit.ConnectTimeout, "no Socket.IO CONNECT within the connect timeout; session closed",
		"sid", c.sess.ID(), "timeout", c.srv.limits.ConnectTimeout)
	c.sess.Close(ErrConnectTimeout)
}

// stopConnectTimer ends LIM-4's wait; the caller holds c.mu.
func (c *conn) stopConnectTimer() {
	if c.connectTimer != nil {
		c.connectTimer.Stop()
		c.connectTimer = nil
	}
}

func (c *conn) dispatch(m socketio.Message) {
	switch m.Type {
	case socketio.Connect:
		c.connect(m.Namespace, m.Data)
	case socketio.Disconnect:
		if s := c.socket(m.Namespace); s != nil {
			s.cleanup(ReasonClientDisconnect)
		}
	case socketio.Event, socketio.BinaryEvent:
		if s := c.socket(m.Namespace); s != nil {
			s.onEvent(m)
		}
	case socketio.Ack, socketio.BinaryAck:
		if s := c.socket(m.Namespace); s != nil {
			s.onAck(m)
		}
	}
}

func (c *conn) socket(nsp string) *Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.sockets {
		if s.nsp.Name == nsp {
			return s
		}
	}
	return nil
}

// connect answers CONNECT (SIO-2, SIO-3): {"sid":…} or CONNECT_ERROR.
func (c *conn) connect(name string, auth json.RawMessage) {
	nsp := c.srv.nsps[name]
	if nsp == nil {
		c.reply(socketio.Packet{Type: socketio.ConnectError, Namespace: name, ID: socketio.NoID, Data: invalidNamespace})
		return
	}
	if c.socket(name) != nil { // a repeated CONNECT is a protocol error, as in Node
		c.broken = true
		c.srv.stats.Protocol.Add(1)
		c.sess.Close(ErrProtocol)
		return
	}
	s := &Socket{id: newSID(), nsp: nsp, conn: c, srv: c.srv}
	if nsp.Authorize != nil {
		if err := nsp.Authorize(s, auth); err != nil {
			c.reply(socketio.Packet{Type: socketio.ConnectError, Namespace: name, ID: socketio.NoID, Data: connectErrorData(err)})
			return
		}
	}
	c.mu.Lock()
	c.sockets = append(c.sockets, s)
	c.stopConnectTimer()
	c.mu.Unlock()
	c.srv.addSocket(s)
	c.srv.stats.Sockets.Add(1)
	c.sess.Batch(func() { // the answer and what Connected sends: one write
		c.reply(connectReply(s))
		if nsp.Connected != nil {
			nsp.Connected(s)
		}
	})
}

func connectReply(s *Socket) socketio.Packet {
	data, _ := json.Marshal(struct {
		SID string `json:"sid"`
	}{s.id})
	return socketio.Packet{Type: socketio.Connect, Namespace: s.nsp.Name, ID: socketio.NoID, Data: data}
}

func connectErrorData(err error) json.RawMessage {
	var ce *ConnectError
	if errors.As(err, &ce) {
		return ce.Data
	}
	data, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{err.Error()})
	return data
}

// reply writes a packet from the read loop.
func (c *conn) reply(p socketio.Packet) {
	c.sess.Reply(Frames(p, nil)...)
}

func (c *conn) remove(s *Socket) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.sockets {
		if x == s {
			c.sockets = append(c.sockets[:i], c.sockets[i+1:]...)
			return true
		}
	}
	return false
}

// OnClose disconnects every socket of the session.
func (c *conn) OnClose(_ *engine.Session, reason error) {
	c.mu.Lock()
	socks := append([]*Socket(nil), c.sockets...)
	c.stopConnectTimer()
	c.mu.Unlock()
	if errors.Is(reason, engine.ErrReadBudget) { // LIM-1 on websocket: an attachment over what was left
		c.srv.stats.Protocol.Add(1)
		c.srv.limits.Reporter.Hit(limit.Attachments, "attachments over max-payload; closed with 1009", "sid", c.sess.ID())
	}
	r := closeReason(reason)
	for _, s := range socks {
		s.cleanup(r)
	}
}

func closeReason(err error) string {
	switch {
	case errors.Is(err, engine.ErrPingTimeout):
		return ReasonPingTimeout
	case errors.Is(err, ErrProtocol), errors.Is(err, engine.ErrParse),
		errors.Is(err, engine.ErrReadBudget), errors.Is(err, engine.ErrInvalidUTF8):
		return ReasonParseError
	case errors.Is(err, engine.ErrSlowConsumer):
		return ReasonSlowConsumer
	case errors.Is(err, engine.ErrServerShutdown):
		return ReasonShutdown
	case errors.Is(err, engine.ErrTransportError):
		return ReasonTransportError
	}
	return ReasonTransportClose
}

// Frames encodes a packet and its attachments as Engine.IO frames, once, so
// that the same frames can be queued to many sessions.
func Frames(p socketio.Packet, attachments [][]byte) []engine.Frame {
	if p.Type.IsBinary() {
		p.Attachments = len(attachments)
	}
	buf := make([]byte, 0, 16+len(p.Namespace)+len(p.Data))
	buf = append(buf, '0'+byte(engineio.Message))
	frames := make([]engine.Frame, 1, 1+len(attachments))
	frames[0] = engine.Frame{Data: socketio.Append(buf, p)}
	for _, a := range attachments {
		frames = append(frames, engine.Frame{Binary: true, Data: a})
	}
	return frames
}
