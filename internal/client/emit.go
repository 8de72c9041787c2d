package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// Emit sends event with args. Arguments that hold []byte (directly, or
// inside []any and map[string]any) make it a BINARY_EVENT with one
// attachment per []byte (SIO-5); json.RawMessage arguments go as they are.
// ctx's deadline bounds the write: on websocket a write it cuts short closes
// the Conn (the frame is half-sent).
func (s *Socket) Emit(ctx context.Context, event string, args ...any) error {
	if err := s.usable(); err != nil {
		return err
	}
	return s.emit(ctx, event, args, socketio.NoID)
}

// EmitWithAck sends event with an ack id and waits for the server's ACK or
// BINARY_ACK (SIO-4). ctx's deadline is the ack timeout: when it passes the
// error wraps ErrAckTimeout (and context.DeadlineExceeded). A disconnect
// meanwhile returns an error wrapping ErrDisconnected. Never call it from a
// handler: the ack would be delivered by the goroutine that waits.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (Payload, error) {
	return s.emitWithAck(ctx, nil, event, args)
}

// EmitWithAckExpiring is EmitWithAck with the ack timeout given apart from
// ctx: the wait gives up with ErrAckTimeout (and context.DeadlineExceeded)
// once expire is closed, and with ctx's error once ctx ends. Many waits can
// share one expire channel (the Done of a context with a deadline, say), so
// that a client with its own ctx needs no context and timer of its own per
// emit. ctx's deadline, if any, still bounds the write.
func (s *Socket) EmitWithAckExpiring(ctx context.Context, expire <-chan struct{}, event string, args ...any) (Payload, error) {
	return s.emitWithAck(ctx, expire, event, args)
}

func (s *Socket) emitWithAck(ctx context.Context, expire <-chan struct{}, event string, args []any) (Payload, error) {
	ch := ackChans.Get().(chan ackReply)
	s.mu.Lock()
	if err := s.usableLocked(); err != nil {
		s.mu.Unlock()
		return Payload{}, err
	}
	id := s.nextAck
	s.nextAck++
	s.acks.add(id, ch)
	s.mu.Unlock()
	if err := s.emit(ctx, event, args, id); err != nil {
		s.dropAck(id)
		return Payload{}, err
	}
	select {
	case r := <-ch:
		ackChans.Put(ch) // drained and out of the table: safe to reuse
		return r.payload()
	case <-expire:
		s.dropAck(id)
		return Payload{}, fmt.Errorf("%w: %q (id %d): %w", ErrAckTimeout, event, id, context.DeadlineExceeded)
	case <-ctx.Done():
		s.dropAck(id)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return Payload{}, fmt.Errorf("%w: %q (id %d): %w", ErrAckTimeout, event, id, ctx.Err())
		}
		return Payload{}, ctx.Err()
	case <-s.done:
		select {
		case r := <-ch: // the ack arrived just before the end
			return r.payload()
		default:
		}
		return Payload{}, fmt.Errorf("%w (%s) while waiting for the ack of %q", ErrDisconnected, s.Reason(), event)
	}
}

// EmitRaw writes p and its attachments as they are, for conformance checks:
// nothing is validated, and p.Attachments is not checked against
// attachments. An empty p.Namespace becomes the Socket's. It works in any
// state of the Socket, as long as the Conn is open.
func (s *Socket) EmitRaw(ctx context.Context, p socketio.Packet, attachments [][]byte) error {
	if p.Namespace == "" {
		p.Namespace = s.nsp
	}
	return s.conn.sendSocketIO(ctx, p, attachments)
}

func (s *Socket) emit(ctx context.Context, event string, args []any, id int64) error {
	return s.conn.sendEvent(ctx, s.nsp, id, event, args)
}

func (s *Socket) sendAck(ctx context.Context, id int64, args []any) error {
	if args == nil {
		args = []any{}
	}
	p := socketio.Packet{Type: socketio.Ack, Namespace: s.nsp, ID: id}
	var atts [][]byte
	var err error
	if socketio.HasBinary(args) {
		p.Type = socketio.BinaryAck
		p.Data, atts, err = socketio.Deconstruct(args)
		p.Attachments = len(atts)
	} else {
		p.Data, err = json.Marshal(args)
	}
	if err != nil {
		return fmt.Errorf("client: marshal ack: %w", err)
	}
	return s.conn.sendSocketIO(ctx, p, atts)
}

func (s *Socket) dropAck(id int64) {
	s.mu.Lock()
	s.acks.take(id)
	s.mu.Unlock()
}

func (s *Socket) usable() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.usableLocked()
}

func (s *Socket) usableLocked() error {
	switch s.state {
	case socketConnected:
		return nil
	case socketClosed:
		return fmt.Errorf("%w (%s)", ErrDisconnected, s.reason)
	}
	return ErrNotConnected
}

// appendEvent appends the Socket.IO packet of an emit: an EVENT, or a
// BINARY_EVENT and its attachments when args hold []byte.
func appendEvent(dst []byte, nsp string, id int64, event string, args []any) ([]byte, [][]byte, error) {
	p := socketio.Packet{Type: socketio.Event, Namespace: nsp, ID: id}
	if !socketio.HasBinary(args) {
		b, err := socketio.AppendEvent(socketio.Append(dst, p), event, args...)
		if err != nil {
			return dst, nil, fmt.Errorf("client: marshal event %q: %w", event, err)
		}
		return b, nil, nil
	}
	v := make([]any, 0, len(args)+1)
	v = append(v, event)
	v = append(v, args...)
	data, atts, err := socketio.Deconstruct(v)
	if err != nil {
		return dst, nil, fmt.Errorf("client: marshal event %q: %w", event, err)
	}
	p.Type, p.Attachments, p.Data = socketio.BinaryEvent, len(atts), data
	return socketio.Append(dst, p), atts, nil
}

// ackChans recycles the one-slot channels of EmitWithAck. A channel goes
// back only after its ack was received: one that timed out may still get a
// late send.
var ackChans = sync.Pool{New: func() any { return make(chan ackReply, 1) }}

// ackReply is an ACK or BINARY_ACK as the read side hands it over: its
// payload still a JSON array, which the waiting EmitWithAck splits on its
// own goroutine. conn and buf are set when it comes from readAck: the read
// goroutine did not check the JSON (invalid JSON then closes conn, as a bad
// packet would have), and data lies in buf, the pooled read buffer, which
// payload returns to the pool. A reply whose waiter gave up just as it came
// stays in the abandoned channel, and its buffer goes to the GC.
type ackReply struct {
	data        json.RawMessage
	attachments [][]byte
	conn        *Conn
	buf         *[]byte
}

func (r ackReply) payload() (Payload, error) {
	if r.conn == nil { // the Decoder has checked the JSON, and data is the packet's own
		args, err := socketio.ValidArgs(r.data)
		if err != nil {
			return Payload{}, fmt.Errorf("client: bad Socket.IO packet: %w", err)
		}
		return Payload{Args: args, Attachments: r.attachments}, nil
	}
	var small [4]json.RawMessage // split on the stack, then copied out once
	var args []json.RawMessage
	split, err := socketio.AppendArgs(small[:0], r.data)
	if err == nil {
		args = ownArgs(split)
	}
	putBuf(r.buf, *r.buf)
	if err != nil {
		err = fmt.Errorf("client: bad Socket.IO packet: %w", err)
		r.conn.closeWith(err)
		return Payload{}, err
	}
	return Payload{Args: args}, nil
}

// ownArgs copies arguments that alias a pooled buffer. The usual ack, one
// or two arguments of up to 208 bytes in all, takes one allocation of 64,
// 128 or 256 bytes (an argsBox): the slice of elements and their bytes side
// by side. Anything else takes two, the bytes and the slice.
func ownArgs(args []json.RawMessage) []json.RawMessage {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	switch {
	case len(args) == 0:
		return []json.RawMessage{}
	case len(args) == 1 && n <= 40:
		b := new(argsBox64x1)
		return copyArgs(b.args[:], b.data[:0], args)
	case len(args) == 2 && n <= 16:
		b := new(argsBox64x2)
		return copyArgs(b.args[:], b.data[:0], args)
	case len(args) <= 2 && n <= 80:
		b := new(argsBox128)
		return copyArgs(b.args[:len(args)], b.data[:0], args)
	case len(args) <= 2 && n <= 208:
		b := new(argsBox256)
		return copyArgs(b.args[:len(args)], b.data[:0], args)
	}
	return copyArgs(make([]json.RawMessage, len(args)), make([]byte, 0, n), args)
}

// An argsBox holds a Payload's elements and their bytes in one allocation
// that fills a size class of the Go allocator.
type (
	argsBox64x1 struct {
		args [1]json.RawMessage
		data [40]byte
	}
	argsBox64x2 struct {
		args [2]json.RawMessage
		data [16]byte
	}
	argsBox128 struct {
		args [2]json.RawMessage
		data [80]byte
	}
	argsBox256 struct {
		args [2]json.RawMessage
		data [208]byte
	}
)

// copyArgs copies the elements of src one after the other into data, which
// has room for them all, and makes dst's elements those copies.
func copyArgs(dst []json.RawMessage, data []byte, src []json.RawMessage) []json.RawMessage {
	for i, a := range src {
		data = append(data, a...)
		dst[i] = data[len(data)-len(a) : len(data) : len(data)]
	}
	return dst
}

// ackTable holds the EmitWithAck calls waiting for their ack. It is a slice
// searched linearly: a client rarely has more than a few acks in flight, and
// an idle Socket then keeps 16 bytes instead of a map.
type ackTable []pendingAck

type pendingAck struct {
	id int64
	ch chan ackReply
}

func (t *ackTable) add(id int64, ch chan ackReply) { *t = append(*t, pendingAck{id, ch}) }

// take removes and returns the waiter for id, or nil.
func (t *ackTable) take(id int64) chan ackReply {
	a := *t
	for i := range a {
		if a[i].id == id {
			ch := a[i].ch
			last := len(a) - 1
			a[i] = a[last]
			a[last] = pendingAck{}
			*t = a[:last]
			if last == 0 && cap(a) > 8 {
				*t = nil // a burst is over: give its memory back
			}
			return ch
		}
	}
	return nil
}
