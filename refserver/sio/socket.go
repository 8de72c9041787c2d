package sio

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// Socket is one client's connection to one namespace.
type Socket struct {
	id   string
	nsp  *Namespace
	conn *conn
	srv  *Server

	// rmu serialises Join, Leave and cleanup so that the hub matches rooms:
	// a Join racing the disconnect cleanup must not add the socket to a
	// room after cleanup has emptied its rooms.
	rmu   sync.Mutex
	mu    sync.Mutex
	rooms []string
	acks  map[int64]chan ackReply
	ackID int64
	gone  bool
	data  any
}

type ackReply struct {
	args        json.RawMessage
	attachments [][]byte
}

// Event is one event received from a client.
type Event struct {
	Name string
	// Args is the raw JSON array of the arguments after the name.
	Args        json.RawMessage
	Attachments [][]byte
	ackID       int64
	acked       bool
	sock        *Socket
}

// HasAck reports whether the client asked for an ack.
func (e *Event) HasAck() bool { return e.ackID >= 0 }

// Values decodes the arguments with attachments in place of placeholders.
func (e *Event) Values() ([]any, error) {
	v, err := socketio.Reconstruct(e.Args, e.Attachments)
	if err != nil {
		return nil, err
	}
	return v.([]any), nil
}

// AckRaw answers the client's ack request with a raw JSON array and
// attachments (a BINARY_ACK when there are any). Only the first call counts;
// without an ack id it does nothing.
func (e *Event) AckRaw(args json.RawMessage, attachments [][]byte) {
	if e.ackID < 0 || e.acked {
		return
	}
	e.acked = true
	if e.sock.srv.faults.DropAcks || e.sock.isGone() {
		return // no ACK after the socket's DISCONNECT: a re-joined socket could take it for its own
	}
	t := socketio.Ack
	if len(attachments) > 0 {
		t = socketio.BinaryAck
	}
	e.sock.conn.sess.Reply(Frames(socketio.Packet{Type: t, Namespace: e.sock.nsp.Name, ID: e.ackID, Data: args}, attachments)...)
}

// Ack answers with Go values; []byte values become attachments.
func (e *Event) Ack(args ...any) error {
	data, atts, err := encodeArgs(args)
	if err != nil {
		return err
	}
	e.AckRaw(data, atts)
	return nil
}

// ID is the Socket.IO sid (not the Engine.IO sid).
func (s *Socket) ID() string { return s.id }

// Namespace is the namespace name.
func (s *Socket) Namespace() string { return s.nsp.Name }

// Transport is the Engine.IO transport the socket is on now.
func (s *Socket) Transport() string { return s.conn.sess.Transport() }

// SetData attaches the application's state to the socket.
func (s *Socket) SetData(v any) {
	s.mu.Lock()
	s.data = v
	s.mu.Unlock()
}

// Data returns what SetData stored.
func (s *Socket) Data() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data
}

func (s *Socket) onEvent(m socketio.Message) {
	name, args, err := socketio.SplitEvent(m.Data)
	if err != nil { // Decode already validated; unreachable on valid input
		return
	}
	h := s.nsp.Events[name]
	if h == nil {
		return // SIO-4: unknown events get no ack
	}
	if d := s.srv.faults.EventDelay; d > 0 && s.srv.stats.Sockets.Load() > s.srv.faults.EventDelayAbove {
		time.Sleep(d) // fault delay-events: the read loop waits, keeping order
	}
	ev := &Event{Name: name, Args: args, Attachments: m.Attachments, ackID: m.ID, sock: s}
	h(s, ev)
	// SIO-4: exactly one ACK when a handler exists and finishes; a handler
	// that did not ack answers with no arguments, as python-socketio does.
	ev.AckRaw(emptyArgs, nil)
}

var emptyArgs = json.RawMessage(`[]`)

// Emit sends an event; []byte arguments travel as binary attachments.
func (s *Socket) Emit(event string, args ...any) error {
	data, atts, err := encodeEvent(event, args)
	if err != nil {
		return err
	}
	s.EmitRaw(data, atts)
	return nil
}

// EmitRaw sends an event payload `["name",…]` with its attachments.
func (s *Socket) EmitRaw(data json.RawMessage, attachments [][]byte) {
	s.conn.sess.Send(Frames(eventPacket(s.nsp.Name, data, attachments, socketio.NoID), attachments)...)
}

// ErrGone is returned by EmitWithAck when the socket disconnects first.
var ErrGone = errors.New("sio: socket disconnected")

// EmitWithAck sends an event with an ack id and waits for the client's ack
// or ctx (CHAT-2). It returns the ack's raw argument array.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (json.RawMessage, [][]byte, error) {
	data, atts, err := encodeEvent(event, args)
	if err != nil {
		return nil, nil, err
	}
	ch := make(chan ackReply, 1)
	s.mu.Lock()
	if s.gone {
		s.mu.Unlock()
		return nil, nil, ErrGone
	}
	id := s.ackID
	s.ackID++
	if s.acks == nil {
		s.acks = make(map[int64]chan ackReply)
	}
	s.acks[id] = ch
	s.mu.Unlock()
	s.conn.sess.Send(Frames(eventPacket(s.nsp.Name, data, atts, id), atts)...)
	select {
	case r, ok := <-ch:
		if !ok {
			return nil, nil, ErrGone
		}
		return r.args, r.attachments, nil
	case <-ctx.Done():
		s.mu.Lock()
		delete(s.acks, id)
		s.mu.Unlock()
		return nil, nil, ctx.Err()
	}
}

func (s *Socket) onAck(m socketio.Message) {
	s.mu.Lock()
	ch := s.acks[m.ID]
	delete(s.acks, m.ID)
	s.mu.Unlock()
	if ch != nil {
		ch <- ackReply{args: m.Data, attachments: m.Attachments}
	}
}

// Join adds the socket to a room of its namespace.
func (s *Socket) Join(room string) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	s.mu.Lock()
	if s.gone || containsRoom(s.rooms, room) {
		s.mu.Unlock()
		return
	}
	s.rooms = append(s.rooms, room)
	s.mu.Unlock()
	s.srv.hub.add(s, room)
}

// Leave removes the socket from a room.
func (s *Socket) Leave(room string) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	s.mu.Lock()
	i := indexRoom(s.rooms, room)
	if i < 0 {
		s.mu.Unlock()
		return
	}
	s.rooms = append(s.rooms[:i], s.rooms[i+1:]...)
	s.mu.Unlock()
	s.srv.hub.remove(s, room)
}

// Rooms lists the rooms the socket is in (its own sid not included).
func (s *Socket) Rooms() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.rooms...)
}

// Disconnect sends DISCONNECT to the client (reason "io server disconnect" on
// its side, SIO-7) and removes the socket; the Engine.IO session stays.
func (s *Socket) Disconnect() {
	s.conn.sess.Send(Frames(socketio.Packet{Type: socketio.Disconnect, Namespace: s.nsp.Name, ID: socketio.NoID}, nil)...)
	s.cleanup(ReasonServerDisconnect)
}

// DropTransport closes the underlying connection without any close packet,
// as a network failure would.
func (s *Socket) DropTransport() { s.conn.sess.Drop() }

// cleanup leaves every room and runs Disconnected, once.
func (s *Socket) cleanup(reason string) {
	s.rmu.Lock()
	s.mu.Lock()
	if s.gone {
		s.mu.Unlock()
		s.rmu.Unlock()
		return
	}
	s.gone = true
	rooms := s.rooms
	s.rooms = nil
	acks := s.acks
	s.acks = nil
	s.mu.Unlock()
	for _, r := range rooms {
		s.srv.hub.remove(s, r)
	}
	s.rmu.Unlock()
	for _, ch := range acks {
		close(ch)
	}
	s.conn.remove(s)
	s.srv.removeSocket(s)
	s.srv.stats.Sockets.Add(-1)
	if s.nsp.Disconnected != nil {
		s.nsp.Disconnected(s, reason)
	}
}

func containsRoom(rooms []string, r string) bool { return indexRoom(rooms, r) >= 0 }

func indexRoom(rooms []string, r string) int {
	for i, x := range rooms {
		if x == r {
			return i
		}
	}
	return -1
}

func (s *Socket) isGone() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gone
}
