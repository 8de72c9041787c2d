package socketio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// malformedKind is one of SIO-6's malformed packets and how to send it on a
// socket of namespace nsp.
type malformedKind struct {
	name, what string
	send       func(p *peer, s *client.Socket, nsp string)
}

// placeholder0 is a BINARY_EVENT announcing one attachment.
func placeholder0() socketio.Packet {
	return socketio.Packet{Type: socketio.BinaryEvent, ID: socketio.NoID, Attachments: 1,
		Data: json.RawMessage(`["message",{"_placeholder":true,"num":0}]`)}
}

// The event name is an object, not a number: socket.io-parser accepts
// numeric event names (NODE.md), so a number would not be malformed to Node.
func malformedKinds() []malformedKind {
	return []malformedKind{
		{"bad-json", "bad JSON, `42<nsp>,[\"message\",{\"a\":`", func(p *peer, _ *client.Socket, nsp string) {
			p.rawText("42" + prefix(nsp) + `["message",{"a":`)
		}},
		{"unknown-type", "an unknown packet type, `47<nsp>,[\"message\",\"x\"]`", func(p *peer, _ *client.Socket, nsp string) {
			p.rawText("47" + prefix(nsp) + `["message","x"]`)
		}},
		{"name-not-string", "an event name that is not a string, `42<nsp>,[{\"name\":\"message\"},\"x\"]`", func(p *peer, _ *client.Socket, nsp string) {
			p.rawText("42" + prefix(nsp) + `[{"name":"message"},"x"]`)
		}},
		{"text-while-awaiting", "a text packet while a binary attachment is awaited, `451-<nsp>,[…]` then `42<nsp>,[\"message\",\"x\"]`", func(p *peer, s *client.Socket, nsp string) {
			p.rawPacket(s, placeholder0(), nil)
			p.rawText("42" + prefix(nsp) + `["message","x"]`)
		}},
		{"bad-ack-id", "an ack id that is not a number, `42<nsp>,abc[\"message\",\"x\"]` (socket.io's official input)", func(p *peer, _ *client.Socket, nsp string) {
			p.rawText("42" + prefix(nsp) + `abc["message","x"]`)
		}},
		{"type-a", "a packet type that is not a digit, `4a<nsp>,[\"message\",\"x\"]` (socket.io's official input)", func(p *peer, _ *client.Socket, nsp string) {
			p.rawText("a" + prefix(nsp) + `["message","x"]`)
		}},
		{"not-array", "an event whose payload is not an array, `42<nsp>,{}` (socket.io's official input)", func(p *peer, _ *client.Socket, nsp string) {
			p.rawText("2" + prefix(nsp) + `{}`)
		}},
		{"too-many-attachments", "more attachments than announced, `451-<nsp>,[…]` then two binary messages", func(p *peer, s *client.Socket, _ string) {
			p.rawPacket(s, placeholder0(), [][]byte{{1, 2, 3}, {4, 5, 6}})
		}},
	}
}

// rawText writes an Engine.IO message "4"+sio as it is. The write may fail
// when the server closes at once, which is what it should do: the outcome
// is judged by what follows.
func (p *peer) rawText(sio string) {
	ctx, cancel := context.WithTimeout(p.t.Context(), check.Wait)
	defer cancel()
	if err := p.conn.SendRawText(ctx, []byte("4"+sio)); err != nil {
		p.t.Logf("%s: writing `4%s`: %v", p.name, sio, err)
	}
}

// rawPacket is raw without failing the case on a write error (see rawText).
func (p *peer) rawPacket(s *client.Socket, pkt socketio.Packet, atts [][]byte) {
	ctx, cancel := context.WithTimeout(p.t.Context(), check.Wait)
	defer cancel()
	if err := s.EmitRaw(ctx, pkt, atts); err != nil {
		p.t.Logf("%s: writing %s: %v", p.name, socketio.Encode(pkt), err)
	}
}

// sio6Cases: SIO-6, one case per malformed kind and transport, and one with
// a client of every kind beside a busy one.
func sio6Cases() []check.Case {
	const req = "A malformed packet (%s) is a protocol error: the server closes that client's connection, as Node does (python drops it: accepted outside --strict). Either way: no crash, other clients unaffected."
	var out []check.Case
	for _, k := range malformedKinds() {
		out = append(out, each("SIO-6/"+k.name, check.Must, fmt.Sprintf(req, k.what),
			func(t *check.T, tr transport) { malformed(t, tr, k) })...)
	}
	out = append(out, each("SIO-6/garbage-before-connect", check.Must,
		"A malformed packet (garbage `4garbage` before any CONNECT) is a protocol error: the server closes that client's connection, as Node does (python drops it: accepted outside --strict). Either way: no crash, other clients unaffected.",
		garbageBeforeConnect)...)
	return append(out, each("SIO-6/others-unaffected", check.Must,
		"A malformed packet (each kind, from five clients) is a protocol error … Either way: no crash, other clients unaffected, nothing else lost (a sixth client's 50 events all come back).",
		othersUnaffected)...)
}

// tryRoundTrip is roundTrip reporting instead of failing.
func (p *peer) tryRoundTrip(s *client.Socket) bool {
	ctx, cancel := context.WithTimeout(p.t.Context(), check.Wait)
	defer cancel()
	word := "after-" + token()
	pl, err := s.EmitWithAck(ctx, "message-with-ack", word)
	var got string
	return err == nil && len(pl.Args) == 1 && pl.Decode(&got) == nil && got == word
}

func malformed(t *check.T, tr transport, k malformedKind) {
	nsp := echoNS(t)
	a, b := dial(t, tr, "client A (sent "+k.name+")"), dial(t, tr, "client B")
	sa, sb := a.join(nsp, nil), b.join(nsp, nil)
	k.send(a, sa, nsp)
	answered := a.tryRoundTrip(sa) // fails fast once the connection is closed
	switch {
	case answered && t.Target.Strict:
		t.Fail("client A's connection closed (--strict: dropping the packet, as python does, is not enough)",
			"it stayed open and answered the next message-with-ack")
	case answered: // dropped, as python-socketio does
	case !a.closedWithin(check.Wait):
		t.Fail("client A's connection closed (or, outside --strict, the packet dropped and the connection still answering)",
			"it stayed open but did not answer the next message-with-ack"+a.w.lastSeen())
	case errors.Is(a.conn.Err(), client.ErrPingTimeout):
		t.Fail("client A's connection closed by the server", "the server fell silent: "+a.conn.Err().Error())
	}
	b.roundTrip(sb)
	b.open("client B's connection to stay open")
}

// garbageBeforeConnect sends a malformed packet on a connection that has
// connected no namespace yet; closing it, or dropping the packet and
// connecting the namespace afterwards (outside --strict), both pass.
func garbageBeforeConnect(t *check.T, tr transport) {
	nsp := echoNS(t)
	a, b := dial(t, tr, "client A (sent garbage first)"), dial(t, tr, "client B")
	sb := b.join(nsp, nil)
	a.rawText("garbage")
	if a.closedWithin(min(t.Target.PingInterval, time.Second)) {
		if errors.Is(a.conn.Err(), client.ErrPingTimeout) {
			t.Fail("client A's connection closed by the server", "the server fell silent: "+a.conn.Err().Error())
		}
	} else if t.Target.Strict {
		t.Fail("client A's connection closed (--strict: dropping the packet, as python does, is not enough)", "it stayed open")
	} else {
		a.roundTrip(a.join(nsp, nil)) // dropped: the connection still works
	}
	b.roundTrip(sb)
	b.open("client B's connection to stay open")
}

func othersUnaffected(t *check.T, tr transport) {
	const n = 50
	nsp := echoNS(t)
	b := dial(t, tr, "client B")
	sb := b.join(nsp, nil)
	kinds := malformedKinds()
	attackers := make([]*peer, len(kinds))
	sockets := make([]*client.Socket, len(kinds))
	for i, k := range kinds {
		attackers[i] = dial(t, tr, fmt.Sprintf("client A%d (sends %s)", i+1, k.name))
		sockets[i] = attackers[i].join(nsp, nil)
	}
	tag := "others-" + token()
	for i := range n {
		b.send(sb, "message", tag, i)
		if k := i / 10; i%10 == 5 && k < len(kinds) {
			kinds[k].send(attackers[k], sockets[k], nsp)
		}
	}
	mine := both(isEvent(nsp, "message-back"), firstArg(tag))
	if _, why := waitFor(b, 2*check.Wait, func(w *wire) (bool, bool) { return true, len(b.sinceLocked(0, mine)) >= n }); why != "" {
		t.Failf(fmt.Sprintf("client B's %d message-back events", n), "%d of them, then %s%s", len(b.since(0, mine)), why, b.w.lastSeen())
	}
	seen := make(map[int]bool)
	for _, r := range b.since(0, mine) {
		var i int
		if args := r.args(); len(args) == 2 && json.Unmarshal(args[1], &i) == nil {
			seen[i] = true
		}
	}
	for i := range n {
		if !seen[i] {
			t.Failf(fmt.Sprintf("client B's message-back for each of its %d events", n), "none for event %d", i)
		}
	}
	b.roundTrip(sb)
	b.open("client B's connection to stay open")
}
