package socketio

import (
	"context"
	"fmt"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// The suite's shared helpers (conformance/check), by their short local names.
var (
	prefix = check.NamespacePrefix
	token  = check.Nonce
	ackID  = check.AckID
)

// echoNS is the target's echo namespace.
func echoNS(t *check.T) string { return t.Target.Echo() }

// transport is one way of reaching the target.
type transport struct {
	name string
	mode client.Transports
}

// transports are the variants of a transport-sensitive case. Polling stays
// on polling (no upgrade), so that the polling variant checks polling.
var transports = []transport{
	{engineio.TransportWebsocket, client.WebsocketOnly},
	{engineio.TransportPolling, client.PollingOnly},
}

// require skips the case unless the target serves tr, at its Socket.IO
// path or (engine) at its raw Engine.IO path.
func (tr transport) require(t *check.T, engine bool) {
	served, path := t.Target.Websocket, t.Target.Path
	switch {
	case engine && tr.mode == client.PollingOnly:
		served, path = t.Target.EnginePoll, t.Target.EnginePath
	case engine:
		served, path = t.Target.EngineWS, t.Target.EnginePath
	case tr.mode == client.PollingOnly:
		served = t.Target.Polling
	}
	if !served {
		t.Skip(fmt.Sprintf("the target does not serve %s at %s", tr.name, path))
	}
}

// anyTransport is websocket when the target serves it, else polling.
func anyTransport(t *check.T) transport {
	switch {
	case t.Target.Websocket:
		return transports[0]
	case t.Target.Polling:
		return transports[1]
	}
	t.Skip("the target answers no Engine.IO handshake at " + t.Target.Path)
	return transport{}
}

// peer is one connection of a case and what it received.
type peer struct {
	t    *check.T
	conn *client.Conn
	w    *wire
	name string
}

// dial opens a Socket.IO connection over tr, recording what it receives.
func dial(t *check.T, tr transport, name string) *peer {
	return dialPath(t, tr, name, false)
}

// dialEngine opens a bare Engine.IO connection to the raw echo (ECHO-1).
func dialEngine(t *check.T, tr transport) *peer {
	return dialPath(t, tr, "the client", true)
}

func dialPath(t *check.T, tr transport, name string, engine bool) *peer {
	w := newWire(!engine)
	var opts *client.Options
	if engine {
		opts = t.EngineOptions(tr.mode)
		opts.OnMessage = func(engineio.Packet) {} // the raw packets are all we need
	} else {
		opts = t.Options(tr.mode)
	}
	log := opts.OnRaw
	opts.OnRaw = func(d client.Direction, p engineio.Packet) {
		log(d, p)
		if d == client.Received {
			w.add(p)
		}
	}
	return &peer{t: t, conn: t.Dial(opts), w: w, name: name}
}

// join connects namespace nsp with auth (nil for none) and returns the
// socket; anything but CONNECT success fails the case.
func (p *peer) join(nsp string, auth any) *client.Socket {
	ctx, cancel := context.WithTimeout(p.t.Context(), check.Wait)
	defer cancel()
	s := p.conn.Socket(nsp)
	if err := s.Connect(ctx, auth); err != nil {
		p.t.Failf(fmt.Sprintf("CONNECT %s answered with 40%s{\"sid\":…}", nsp, prefix(nsp)), "%s: %v%s", p.name, err, p.w.lastSeen())
	}
	return s
}

// send emits event on s; a failed write fails the case.
func (p *peer) send(s *client.Socket, event string, args ...any) {
	ctx, cancel := context.WithTimeout(p.t.Context(), check.Wait)
	defer cancel()
	if err := s.Emit(ctx, event, args...); err != nil {
		p.t.Failf(fmt.Sprintf("%s to send %q", p.name, event), "%v%s", err, p.w.lastSeen())
	}
}

// call emits event with an ack id and returns the ack.
func (p *peer) call(s *client.Socket, event string, args ...any) client.Payload {
	ctx, cancel := context.WithTimeout(p.t.Context(), check.Wait)
	defer cancel()
	pl, err := s.EmitWithAck(ctx, event, args...)
	if err != nil {
		p.t.Failf(fmt.Sprintf("an ACK for %q on %s", event, s.Namespace()), "%s: %v%s", p.name, err, p.w.lastSeen())
	}
	return pl
}

// emitID emits event on s with ack id id, binary arguments as attachments.
func (p *peer) emitID(s *client.Socket, id int64, event string, args ...any) {
	data, atts, err := socketio.Deconstruct(append([]any{event}, args...))
	if err != nil {
		panic(err) // the cases' own arguments always marshal
	}
	pkt := socketio.Packet{Type: socketio.Event, ID: id, Data: data}
	if len(atts) > 0 {
		pkt.Type, pkt.Attachments = socketio.BinaryEvent, len(atts)
	}
	p.raw(s, pkt, atts)
}

// raw writes one Socket.IO packet and its attachments as they are.
func (p *peer) raw(s *client.Socket, pkt socketio.Packet, atts [][]byte) {
	ctx, cancel := context.WithTimeout(p.t.Context(), check.Wait)
	defer cancel()
	if err := s.EmitRaw(ctx, pkt, atts); err != nil {
		p.t.Failf(p.name+" to send "+string(socketio.Encode(pkt)), "%v%s", err, p.w.lastSeen())
	}
}

// roundTrip sends message-with-ack and waits for its ack: a barrier, since a
// server writes a connection's packets in order, whatever it queued for
// this connection before answering has arrived once it returns.
func (p *peer) roundTrip(s *client.Socket) {
	word := "barrier-" + token()
	pl := p.call(s, "message-with-ack", word)
	var got string
	if len(pl.Args) != 1 || pl.Decode(&got) != nil || got != word {
		p.t.Failf(fmt.Sprintf("message-with-ack acked with [%q] (ECHO-4)", word), "%s: ack %s", p.name, argsText(pl))
	}
}

func argsText(pl client.Payload) string {
	return string(socketio.JoinArgs(pl.Args))
}

// mark is the number of Socket.IO packets received so far, for "since".
func (p *peer) mark() int {
	p.w.mu.Lock()
	defer p.w.mu.Unlock()
	return len(p.w.pkts)
}

// frameMark is the number of Engine.IO packets received so far.
func (p *peer) frameMark() int {
	p.w.mu.Lock()
	defer p.w.mu.Unlock()
	return len(p.w.frames)
}

// next waits for the first Socket.IO packet at or after index from that
// matches, failing the case with expected what when none comes.
func (p *peer) next(from int, what string, match func(rx) bool) (rx, int) {
	i := await(p, check.Wait, what, func(w *wire) (int, bool) {
		for i := from; i < len(w.pkts); i++ {
			if match(w.pkts[i]) {
				return i, true
			}
		}
		return 0, false
	})
	return p.packet(i), i
}

func (p *peer) packet(i int) rx {
	p.w.mu.Lock()
	defer p.w.mu.Unlock()
	return p.w.pkts[i]
}

// since returns the packets at or after index from that match.
func (p *peer) since(from int, match func(rx) bool) []rx {
	p.w.mu.Lock()
	defer p.w.mu.Unlock()
	return p.sinceLocked(from, match)
}

// sinceLocked is since for finders, which run with the wire locked.
func (p *peer) sinceLocked(from int, match func(rx) bool) []rx {
	var out []rx
	for _, r := range p.w.pkts[min(from, len(p.w.pkts)):] {
		if match(r) {
			out = append(out, r)
		}
	}
	return out
}

// nextPing waits up to a ping interval plus check.Wait for a ping at or
// after Engine.IO packet index from; it returns the ping's index.
func (p *peer) nextPing(from int, what string) int {
	return await(p, p.t.Target.PingInterval+check.Wait, what, func(w *wire) (int, bool) {
		for i := from; i < len(w.frames); i++ {
			if w.frames[i].Type == engineio.Ping {
				return i, true
			}
		}
		return 0, false
	})
}

// await runs find (with the wire locked) until it finds something, waiting
// up to d. Otherwise it fails the case: expected what, actual what happened.
func await[V any](p *peer, d time.Duration, what string, find func(*wire) (V, bool)) V {
	v, why := waitFor(p, d, find)
	if why != "" {
		p.t.Fail(what, p.name+": "+why+p.w.lastSeen())
	}
	return v
}

// waitFor is await without failing: why says what happened instead, "" when
// find found something.
func waitFor[V any](p *peer, d time.Duration, find func(*wire) (V, bool)) (V, string) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	look := func() (V, bool, chan struct{}) {
		p.w.mu.Lock()
		defer p.w.mu.Unlock()
		v, ok := find(p.w)
		return v, ok, p.w.wake
	}
	for {
		v, ok, wake := look()
		if ok {
			return v, ""
		}
		select {
		case <-wake:
		case <-p.conn.Done():
			// Nothing arrives after Done: one last look settles it.
			if v, ok, _ := look(); ok {
				return v, ""
			}
			return v, fmt.Sprintf("the connection closed (%v) before it came", p.conn.Err())
		case <-timer.C:
			return v, fmt.Sprintf("nothing of the kind within %s", d)
		case <-p.t.Context().Done():
			return v, "the case ran out of time waiting"
		}
	}
}

// closedWithin reports whether the connection closes within d.
func (p *peer) closedWithin(d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-p.conn.Done():
		return true
	case <-timer.C:
	case <-p.t.Context().Done():
	}
	return false
}

// open fails the case when the connection has closed.
func (p *peer) open(expected string) {
	select {
	case <-p.conn.Done():
		p.t.Failf(expected, "%s: the connection closed (%v)%s", p.name, p.conn.Err(), p.w.lastSeen())
	default:
	}
}
