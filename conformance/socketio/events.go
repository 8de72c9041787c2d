package socketio

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// sio1Cases: SIO-1, the packet encoding, read off what the echo sends back.
func sio1Cases() []check.Case {
	return []check.Case{
		one("SIO-1/namespaced-event", check.Must,
			"Packet encoding `<type>[<attachments>-][<nsp>,][<ackId>][<json>]`: an EVENT (2) the server emits on a namespace other than `/` carries `<nsp>,`; on `/` the namespace is omitted.",
			namespacedEvent),
		one("SIO-1/ack-encoding", check.Must,
			"Packet encoding `<type>[<attachments>-][<nsp>,][<ackId>][<json>]`: an ACK is type 3 on the namespace of the event it answers, then the ack id, then a JSON array.",
			ackEncoding),
		one("SIO-1/binary-header", check.Must,
			"Packet encoding `<type>[<attachments>-][<nsp>,][<ackId>][<json>]`: a BINARY_EVENT (5) announces its attachment count, `51-<nsp>,[…]`, and one binary message follows.",
			binaryHeader),
	}
}

func namespacedEvent(t *check.T, tr transport) {
	nsp := echoNS(t)
	p := dial(t, tr, "the client")
	s := p.join(nsp, nil)
	word := "stampede-" + token()
	p.send(s, "message", word)
	// Any namespace: a packet on the wrong one is what this case reports.
	r, _ := p.next(0, "message-back on "+nsp, func(r rx) bool { return r.event() == "message-back" && firstArg(word)(r) })
	want := "2" + prefix(nsp) + "["
	if r.Type != socketio.Event || r.Namespace != nsp || r.ID != socketio.NoID || !strings.HasPrefix(r.text, want) {
		t.Failf(fmt.Sprintf("an EVENT `4%s\"message-back\",%q]`", want, word), "`%s`", shorten(r.wireText()))
	}
}

func ackEncoding(t *check.T, tr transport) {
	nsp := echoNS(t)
	p := dial(t, tr, "the client")
	s := p.join(nsp, nil)
	id, word := ackID(), "stampede-"+token()
	p.emitID(s, id, "message-with-ack", word)
	r, _ := p.next(0, fmt.Sprintf("an ACK `43%s%d[…]`", prefix(nsp), id), both(rx.isAck, firstArg(word)))
	want := "3" + prefix(nsp) + strconv.FormatInt(id, 10) + "["
	if r.Type != socketio.Ack || r.Namespace != nsp || !strings.HasPrefix(r.text, want) {
		t.Failf(fmt.Sprintf("`4%s%q]`", want, word), "`%s`", shorten(r.wireText()))
	}
}

func binaryHeader(t *check.T, tr transport) {
	nsp := echoNS(t)
	p := dial(t, tr, "the client")
	s := p.join(nsp, nil)
	p.send(s, "message", []byte("stampede-"+token()))
	r, _ := p.next(0, "message-back", func(r rx) bool { return r.event() == "message-back" })
	want := "51-" + prefix(nsp) + "["
	if r.Type != socketio.BinaryEvent || !strings.HasPrefix(r.text, want) || len(r.Attachments) != 1 {
		t.Failf(fmt.Sprintf("`4%s\"message-back\",{\"_placeholder\":true,\"num\":0}]` and one binary message", want),
			"`%s` with %d binary messages", shorten(r.wireText()), len(r.Attachments))
	}
}

// sio4Cases: SIO-4, acks.
func sio4Cases() []check.Case {
	const once = "An EVENT with an ack id gets exactly one ACK with that id when a handler exists and finishes."
	return []check.Case{
		one("SIO-4/ack-once", check.Must, once, ackOnce),
		one("SIO-4/ack-id-echoed", check.Must, once+" The ACK carries the id the EVENT asked with.", ackIDEchoed),
		one("SIO-4/ack-concurrent", check.Must, once+" Twenty events in flight at once each get their own.", ackConcurrent),
		one("SIO-4/unknown-event-no-ack", check.Must,
			"Unknown events get no ack and do not close the connection (an event the echo contract does not define, sent with an ack id).",
			unknownEventNoAck),
	}
}

func ackOnce(t *check.T, tr transport) {
	nsp := echoNS(t)
	p := dial(t, tr, "the client")
	s := p.join(nsp, nil)
	id := ackID()
	p.emitID(s, id, "message-with-ack", "once-"+token())
	p.next(0, fmt.Sprintf("an ACK with id %d", id), isAckID(nsp, id))
	p.roundTrip(s) // a second ACK sent with the first has arrived by now
	if acks := p.since(0, isAckID(nsp, id)); len(acks) != 1 {
		t.Failf(fmt.Sprintf("exactly one ACK with id %d", id), "%d of them, the second `%s`", len(acks), shorten(acks[1].wireText()))
	}
}

func ackIDEchoed(t *check.T, tr transport) {
	nsp := echoNS(t)
	p := dial(t, tr, "the client")
	s := p.join(nsp, nil)
	id, word := ackID(), "stampede-"+token()
	p.emitID(s, id, "message-with-ack", word)
	r, _ := p.next(0, fmt.Sprintf("an ACK with id %d", id), both(rx.isAck, firstArg(word)))
	if r.ID != id || r.Namespace != nsp {
		t.Failf(fmt.Sprintf("`43%s%d[%q]`", prefix(nsp), id, word), "`%s`", shorten(r.wireText()))
	}
}

func ackConcurrent(t *check.T, tr transport) {
	nsp := echoNS(t)
	p := dial(t, tr, "the client")
	s := p.join(nsp, nil)
	const n = 20
	base, tag := ackID(), token()
	word := func(i int64) string { return fmt.Sprintf("c-%s-%d", tag, i) }
	for i := range int64(n) {
		p.emitID(s, base+i, "message-with-ack", word(i))
	}
	for i := range int64(n) {
		p.next(0, fmt.Sprintf("an ACK with id %d", base+i), isAckID(nsp, base+i))
	}
	p.roundTrip(s)
	for i := range int64(n) {
		acks := p.since(0, isAckID(nsp, base+i))
		want := fmt.Sprintf("`43%s%d[%q]`", prefix(nsp), base+i, word(i))
		if len(acks) != 1 {
			t.Failf("exactly one "+want, "%d ACKs with id %d", len(acks), base+i)
		}
		if !firstArg(word(i))(acks[0]) {
			t.Failf(want, "`%s`", shorten(acks[0].wireText()))
		}
	}
}

func unknownEventNoAck(t *check.T, tr transport) {
	nsp := echoNS(t)
	p := dial(t, tr, "the client")
	s := p.join(nsp, nil)
	id := ackID()
	p.emitID(s, id, "stampede-unknown-event", "x")
	p.roundTrip(s) // the server has handled the unknown event by now
	if acks := p.since(0, isAckID(nsp, id)); len(acks) > 0 {
		t.Failf(fmt.Sprintf("no ACK with id %d", id), "`%s`", shorten(acks[0].wireText()))
	}
	p.open("the connection to stay open")
	p.roundTrip(s)
}

// sio8Cases: SIO-8, per-socket order.
func sio8Cases() []check.Case {
	return each("SIO-8/order", check.Should,
		"SHOULD. Events from one socket are handled in arrival order: 200 `message` events come back as `message-back` in the order sent.",
		order)
}

func order(t *check.T, tr transport) {
	const n = 200
	nsp := echoNS(t)
	p := dial(t, tr, "the client")
	s := p.join(nsp, nil)
	tag := "order-" + token()
	for i := range n {
		p.send(s, "message", tag, i)
	}
	mine := both(isEvent(nsp, "message-back"), firstArg(tag))
	if _, why := waitFor(p, 2*check.Wait, func(w *wire) (bool, bool) { return true, len(p.sinceLocked(0, mine)) >= n }); why != "" {
		t.Failf(fmt.Sprintf("%d message-back events", n), "%d of them, then %s%s", len(p.since(0, mine)), why, p.w.lastSeen())
	}
	for k, r := range p.since(0, mine) {
		var i int
		if args := r.args(); len(args) != 2 || json.Unmarshal(args[1], &i) != nil || i != k {
			t.Failf(fmt.Sprintf("message-back #%d carrying %d (the order sent)", k, k), "`%s`", shorten(r.wireText()))
		}
	}
}

// echoArgs are arguments of every JSON kind, for ECHO-3 and ECHO-4.
func echoArgs(tag string) []any {
	return []any{tag, 42, 2.5, -1e-3, true, false, nil, "ünï ☃ \"q\"", map[string]any{"k": []any{1, "two", nil}, "e": map[string]any{}}, []any{}}
}

// echo3Cases: ECHO-3, message → message-back.
func echo3Cases() []check.Case {
	const req = "Event `message` → the server emits `message-back` with the same arguments"
	return append([]check.Case{
		one("ECHO-3/message-back", check.Must, req+".", messageBack),
	}, each("ECHO-3/binary-kept", check.Must, req+" (binary kept binary, same placeholder order).", binaryKept)...)
}

func messageBack(t *check.T, tr transport) {
	nsp := echoNS(t)
	p := dial(t, tr, "the client")
	s := p.join(nsp, nil)
	tag := "stampede-" + token()
	args := echoArgs(tag)
	p.send(s, "message", args...)
	r, _ := p.next(0, "message-back", both(isEvent(nsp, "message-back"), firstArg(tag)))
	if got := socketio.JoinArgs(r.args()); r.Type != socketio.Event || !sameJSON(got, mustJSON(args)) {
		t.Failf(fmt.Sprintf("`42%s[\"message-back\",%s`", prefix(nsp), mustJSON(args)[1:]), "`%s`", shorten(r.wireText()))
	}
}

// binaryArgs are a text, two attachments (one nested) and what they look
// like on the wire.
func binaryArgs(tag string) (args []any, atts [][]byte, shape string) {
	b0, b1 := []byte{0, 1, 2, 0xfe, 0xff}, []byte("stampede-"+tag)
	return []any{tag, b0, map[string]any{"inner": b1}}, [][]byte{b0, b1},
		fmt.Sprintf(`[%q,{"_placeholder":true,"num":0},{"inner":{"_placeholder":true,"num":1}}]`, tag)
}

func binaryKept(t *check.T, tr transport) {
	nsp := echoNS(t)
	p := dial(t, tr, "the client")
	s := p.join(nsp, nil)
	tag := "stampede-" + token()
	args, atts, shape := binaryArgs(tag)
	p.send(s, "message", args...)
	r, _ := p.next(0, "message-back", both(isEvent(nsp, "message-back"), firstArg(tag)))
	want := fmt.Sprintf("`452-%s[\"message-back\",%s` and the 2 attachments in that order", prefix(nsp), shape[1:])
	if r.Type != socketio.BinaryEvent || !sameJSON(socketio.JoinArgs(r.args()), []byte(shape)) || !sameBytes(r.Attachments, atts) {
		t.Failf(want, "`%s` with attachments %s", shorten(r.wireText()), hexes(r.Attachments))
	}
}

// echo4Cases: ECHO-4, message-with-ack → the same arguments in the ack.
func echo4Cases() []check.Case {
	const req = "Event `message-with-ack` → acked with the same arguments"
	return append([]check.Case{
		one("ECHO-4/ack-same-args", check.Must, req+".", ackSameArgs),
	}, each("ECHO-4/binary-ack", check.Must, req+" (a BINARY_ACK when they hold binary).", binaryAck)...)
}

func ackSameArgs(t *check.T, tr transport) {
	nsp := echoNS(t)
	p := dial(t, tr, "the client")
	s := p.join(nsp, nil)
	id, tag := ackID(), "stampede-"+token()
	args := echoArgs(tag)
	p.emitID(s, id, "message-with-ack", args...)
	r, _ := p.next(0, fmt.Sprintf("an ACK with id %d", id), isAckID(nsp, id))
	if r.Type != socketio.Ack || !sameJSON(socketio.JoinArgs(r.args()), mustJSON(args)) {
		t.Failf(fmt.Sprintf("`43%s%d%s`", prefix(nsp), id, mustJSON(args)), "`%s`", shorten(r.wireText()))
	}
}

func binaryAck(t *check.T, tr transport) {
	nsp := echoNS(t)
	p := dial(t, tr, "the client")
	s := p.join(nsp, nil)
	id, tag := ackID(), "stampede-"+token()
	args, atts, shape := binaryArgs(tag)
	p.emitID(s, id, "message-with-ack", args...)
	r, _ := p.next(0, fmt.Sprintf("an ACK with id %d", id), isAckID(nsp, id))
	if r.Type != socketio.BinaryAck || !sameJSON(socketio.JoinArgs(r.args()), []byte(shape)) || !sameBytes(r.Attachments, atts) {
		t.Failf(fmt.Sprintf("a BINARY_ACK `462-%s%d%s` and the 2 attachments in that order", prefix(nsp), id, shape),
			"`%s` with attachments %s", shorten(r.wireText()), hexes(r.Attachments))
	}
}

func sameBytes(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if string(a[i]) != string(b[i]) {
			return false
		}
	}
	return true
}
