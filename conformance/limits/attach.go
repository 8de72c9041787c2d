package limits

import (
	"fmt"
	"strings"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// bomb is a BINARY_EVENT `message` on nsp announcing announced attachments
// and the sent of them that go on the wire, each of size bytes.
type bomb struct {
	nsp             string
	announced, sent int
	size            int
}

// packets is the header and the attachments.
func (b bomb) packets() []engineio.Packet {
	var h strings.Builder
	fmt.Fprintf(&h, `5%d-%s["message"`, b.announced, prefix(b.nsp))
	for i := range b.announced {
		fmt.Fprintf(&h, `,{"_placeholder":true,"num":%d}`, i)
	}
	h.WriteString("]")
	pkts := []engineio.Packet{text(engineio.Message, h.String())}
	for i := range b.sent {
		att := make([]byte, b.size)
		for j := range att {
			att[j] = byte(i + j)
		}
		pkts = append(pkts, binary(att))
	}
	return pkts
}

func (b bomb) String() string {
	return fmt.Sprintf("a BINARY_EVENT announcing %d attachments, then %d of %d bytes", b.announced, b.sent, b.size)
}

// countBomb is over any attachment limit near the spec's default of 16
// (Node's is 10); sizeBomb is within it but over maxPayload in total, each
// attachment well within maxPayload on its own (EIO-10). complete sends
// every announced attachment; otherwise the last one stays missing, so that
// a target without the limit is left waiting, not closing for another
// reason.
func countBomb(nsp string, complete bool) bomb {
	b := bomb{nsp: nsp, announced: 1000, sent: 1000, size: 1}
	if !complete {
		b.sent--
	}
	return b
}

func sizeBomb(t *check.T, nsp string, complete bool) bomb {
	b := bomb{nsp: nsp, announced: 3, sent: 3, size: maxPayloadOf(t) * 45 / 100}
	if !complete {
		b.announced++
	}
	return b
}

func lim1Cases() []check.Case {
	const req = "Binary attachments: one packet announces at most `--max-attachments` (default 16) attachments, and its attachments together are at most maxPayload bytes (EIO-10). A packet over either limit is a protocol error (SIO-6): the connection closes before the server has buffered more than maxPayload for it. This holds before any namespace CONNECT and on polling alike."
	var out []check.Case
	out = append(out, each("LIM-1/count", req+" (1000 attachments of 1 byte, on a connected namespace.)", 0,
		func(r *run, tr transport) { bombAfter(r, tr, countBomb(echoNS(r.t), true)) })...)
	out = append(out, each("LIM-1/size", req+" (3 attachments of 0.45 maxPayload, on a connected namespace.)", 0,
		func(r *run, tr transport) { bombAfter(r, tr, sizeBomb(r.t, echoNS(r.t), true)) })...)
	out = append(out, each("LIM-1/count-before-connect", req+" (999 of 1000 attachments, before any CONNECT.)", 0,
		func(r *run, tr transport) { bombBefore(r, tr, countBomb(echoNS(r.t), false)) })...)
	return append(out, each("LIM-1/size-before-connect", req+" (3 attachments of 0.45 maxPayload out of 4, before any CONNECT.)", 0,
		func(r *run, tr transport) { bombBefore(r, tr, sizeBomb(r.t, echoNS(r.t), false)) })...)
}

// bombAfter sends b on a connected namespace: the connection must close and
// nothing come back; the canary goes on.
func bombAfter(r *run, tr transport, b bomb) {
	nsp := echoNS(r.t)
	canary := r.canary()
	a := r.dial(tr, "client A (attacker)", true)
	a.connectNS(nsp)
	from := a.mark()
	if err := a.send(b.packets()...); err != nil {
		r.t.Logf("client A: writing the packet: %v", err)
	}
	protocolError(r, a, from, nsp, b.String())
	r.canaryFine(canary)
}

// protocolError fails the case unless a's connection closes (checked with
// a round trip) without anything echoed since from.
func protocolError(r *run, a *conn, from int, nsp, what string) {
	expected := "client A's connection closed for " + what + " (a protocol error), nothing echoed"
	answered := a.roundTrip(nsp)
	if e := a.echoed(from, nsp); e != "" {
		r.t.Failf(expected, "the target echoed it: `4%s`", clip([]byte(e)))
	}
	switch {
	case answered:
		r.t.Fail(expected, "the connection stayed open and answered the next message-with-ack")
	case !a.waitClosed(check.Wait):
		r.t.Failf(expected, "the connection stayed open (message-with-ack was not answered within %s either)", check.Wait)
	}
}

// bombBefore sends b before any CONNECT, leaving it incomplete: the target
// must have closed by the time it would answer the next thing asked.
func bombBefore(r *run, tr transport, b bomb) {
	canary := r.canary()
	a := r.dial(tr, "client A (attacker)", true)
	if err := a.send(b.packets()...); err != nil {
		r.t.Logf("client A: writing the packet: %v", err)
	}
	if a.alive() {
		what := "a websocket ping"
		if tr == pollingTr {
			what = "a POST `3` with `ok`"
		}
		r.t.Failf("client A's connection closed for "+b.String()+" sent before any CONNECT (a protocol error)",
			"the target still answered %s after it, %d bytes in", what, r.sent.Load())
	}
	r.canaryFine(canary)
}

func lim2Cases() []check.Case {
	const req = "A placeholder whose `num` is not an integer in [0, announced attachments) is a protocol error (SIO-6), as in Node's parser (\"illegal attachments\")."
	var out []check.Case
	for _, k := range []struct{ name, num string }{
		{"out-of-range", "1"}, {"negative", "-1"}, {"non-integer", "0.5"}, {"string", `"0"`},
	} {
		out = append(out, each("LIM-2/"+k.name, req+" (A BINARY_EVENT with one attachment and `\"num\":"+k.num+"`.)", 0,
			func(r *run, tr transport) { badPlaceholder(r, tr, k.num) })...)
	}
	return out
}

// badPlaceholder sends a BINARY_EVENT with one attachment whose placeholder
// has num: the connection must close, nothing be echoed.
func badPlaceholder(r *run, tr transport, num string) {
	nsp := echoNS(r.t)
	canary := r.canary()
	a := r.dial(tr, "client A (attacker)", true)
	a.connectNS(nsp)
	from := a.mark()
	header := fmt.Sprintf(`51-%s["message",{"_placeholder":true,"num":%s}]`, prefix(nsp), num)
	if err := a.send(text(engineio.Message, header), binary([]byte{1, 2, 3})); err != nil {
		r.t.Logf("client A: writing the packet: %v", err)
	}
	protocolError(r, a, from, nsp, "`4"+header+"` and one attachment")
	r.canaryFine(canary)
}
