package client

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// Payload is the arguments of an event or an ack as they came: raw JSON per
// argument, with {"_placeholder":true,"num":N} where binary attachments go,
// and the attachments in order (SIO-5).
type Payload struct {
	Args        []json.RawMessage
	Attachments [][]byte
}

// Decode unmarshals argument i into dst[i]; a nil dst[i] skips argument i,
// extra arguments are ignored and missing ones leave dst untouched. Placeholders become their attachment: a
// *[]byte or *any receives the bytes themselves; other targets get them via
// JSON, so a []byte field inside a struct is filled too (numbers inside such
// a value go through float64).
func (p Payload) Decode(dst ...any) error {
	for i, d := range dst {
		if i >= len(p.Args) {
			return nil
		}
		if d == nil {
			continue
		}
		if err := decodeArg(p.Args[i], p.Attachments, d); err != nil {
			return fmt.Errorf("client: argument %d: %w", i, err)
		}
	}
	return nil
}

// Values decodes every argument as encoding/json does into any, with []byte
// in place of placeholders.
func (p Payload) Values() ([]any, error) {
	out := make([]any, len(p.Args))
	for i, a := range p.Args {
		if err := decodeArg(a, p.Attachments, &out[i]); err != nil {
			return nil, fmt.Errorf("client: argument %d: %w", i, err)
		}
	}
	return out, nil
}

func decodeArg(raw json.RawMessage, atts [][]byte, dst any) error {
	if len(atts) == 0 {
		if p, ok := dst.(*any); ok {
			return json.Unmarshal(raw, p)
		}
		return json.Unmarshal(raw, dst)
	}
	v, err := socketio.Reconstruct(raw, atts)
	if err != nil {
		return err
	}
	switch d := dst.(type) {
	case *any:
		*d = v
		return nil
	case *[]byte:
		if b, ok := v.([]byte); ok {
			*d = b
			return nil
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, dst)
}

// Event is one EVENT or BINARY_EVENT from the server.
type Event struct {
	Name string
	Payload
	// AckID is the ack id the server asked for, or socketio.NoID.
	AckID  int64
	socket *Socket
}

// Socket returns the Socket the event arrived on.
func (e Event) Socket() *Socket { return e.socket }

// WantsAck reports whether the server asked for an ack (a server→client
// call, CHAT-2).
func (e Event) WantsAck() bool { return e.AckID >= 0 }

// Ack answers the event with args: an ACK, or a BINARY_ACK when args hold
// []byte. It may be called from the handler or later from any goroutine.
// Each call sends one ack; a server expects exactly one (SIO-4).
func (e Event) Ack(args ...any) error {
	if e.AckID < 0 || e.socket == nil {
		return fmt.Errorf("client: event %q asked for no ack", e.Name)
	}
	return e.socket.sendAck(context.Background(), e.AckID, args)
}

// On sets the handler of event, replacing any earlier one; nil removes it.
// Handlers run on the read goroutine in arrival order and must not block
// (see the package documentation).
func (s *Socket) On(event string, fn func(Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fn == nil {
		delete(s.handlers, event)
		return
	}
	if s.handlers == nil {
		s.handlers = make(map[string]func(Event), 4)
	}
	s.handlers[event] = fn
}

// OnAny sets a handler that sees every event before its own handler runs;
// nil removes it.
func (s *Socket) OnAny(fn func(Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onAny = fn
}

// onEvent runs the handlers of one event on the read goroutine.
func (s *Socket) onEvent(m socketio.Message) error {
	// The Decoder has checked the JSON: it is split, not checked again.
	name, args, err := socketio.ValidEvent(m.Data, s.lastName)
	if err != nil {
		return fmt.Errorf("client: event payload: %w", err)
	}
	s.lastName = name // events are handled one at a time (SIO-8)
	ev := Event{Name: name, AckID: m.ID, socket: s}
	ev.Args, ev.Attachments = args, m.Attachments
	s.mu.Lock()
	connected := s.state == socketConnected
	anyFn, fn := s.onAny, s.handlers[ev.Name]
	s.mu.Unlock()
	if !connected {
		return nil
	}
	if anyFn != nil {
		anyFn(ev)
	}
	if fn != nil {
		fn(ev)
	}
	return nil
}

// onAck hands an ACK or BINARY_ACK to the EmitWithAck waiting for it and
// reports whether one was. An unknown id is ignored (OnRaw has seen it).
func (s *Socket) onAck(id int64, r ackReply) bool {
	s.mu.Lock()
	ch := s.acks.take(id)
	s.mu.Unlock()
	if ch != nil {
		ch <- r // buffered: never blocks
	}
	return ch != nil
}

// dispatch routes a decoded Socket.IO packet to its namespace. Packets for a
// namespace the Conn has not joined are ignored.
func (c *Conn) dispatch(m socketio.Message) error {
	s := c.socketFor(m.Namespace)
	if s == nil {
		return nil
	}
	switch m.Type {
	case socketio.Connect:
		s.onConnect(m.Data)
	case socketio.ConnectError:
		s.end(ReasonConnectError, &ConnectError{Namespace: m.Namespace, Data: m.Data})
	case socketio.Disconnect:
		s.end(ReasonServerDisconnect, ErrDisconnected)
	case socketio.Event, socketio.BinaryEvent:
		return s.onEvent(m)
	case socketio.Ack, socketio.BinaryAck:
		s.onAck(m.ID, ackReply{data: m.Data, attachments: m.Attachments})
	}
	return nil
}
