package limits

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// floodPackets is how many answers a LIM-6 case makes the target owe a
// client that reads none: 16 times the default --max-queue, far more than
// the kernel's socket buffers hold on a loopback connection. A target that
// takes them all without closing has no limit within the case's bound.
const floodPackets = 16 * 4096

// shoutPad is the payload of one shout: floodPackets of them stay within
// 32 MiB sent.
var shoutPad = strings.Repeat("s", 448)

func lim6Cases() []check.Case {
	const req = "Slow consumers: a session whose outgoing queue passes `--max-queue` packets (default 4096) is closed with reason `slow consumer`, logged and counted; on polling, a POST whose answers would overflow the queue is answered 400, not `ok`."
	return []check.Case{
		one("LIM-6/slow-consumer", req+" (Client S joins a room and reads nothing, pongs aside; client F shouts 65,536 events of 448 bytes into the room: S must be closed.)", caseTime, slowConsumer),
		one("LIM-6/polling-post", req+" (A polling session that never polls POSTs up to 65,536 message events: a POST must get 400.)", caseTime, pollingOverflow),
	}
}

// slowConsumer: S in a room reads nothing; F shouts into the room until S
// is closed or floodPackets shouts were sent.
func slowConsumer(r *run) {
	websocketTr.require(r.t)
	nsp, room := echoNS(r.t), "lim6-"+token()
	canary := r.canary()
	s := r.dial(websocketTr, "client S (slow consumer)", false)
	s.syncSetup(nsp, room)
	f := r.dial(websocketTr, "client F (shouts)", true)
	f.connectNS(nsp)
	shout := fmt.Sprintf(`2%s["shout",%s,%q]`, prefix(nsp), strconv.Quote(room), shoutPad)
	lastPong := time.Now()
	sClosed := false
	for i := 0; i < floodPackets && !sClosed; i++ {
		// F waits for the target every 512 shouts, so that its own pongs
		// never sit behind megabytes of its shouts (EIO-5).
		if err := f.sendSIO(shout); err != nil || (i%512 == 511 && !f.roundTrip(nsp)) {
			sClosed = s.closedByWrites()
			r.canaryFine(canary)
			if sClosed {
				break
			}
			r.t.Failf("client S, which reads nothing, closed as a slow consumer; client F, which reads, unaffected",
				"after %d shouts client F was not answered (%v; %s) and S was still open", i+1, err, f.why())
		}
		if time.Since(lastPong) > 100*time.Millisecond { // S is alive, only slow (EIO-5)
			lastPong = time.Now()
			sClosed = s.send(text(engineio.Pong, "")) != nil
		}
	}
	if !sClosed {
		sClosed = s.closedByWrites()
	}
	if !sClosed {
		r.t.Failf("client S closed as a slow consumer", "it stayed open after %d shouted events (%d MiB sent) of which it read none",
			floodPackets, r.sent.Load()>>20)
	}
	r.canaryFine(canary)
	f.mustRoundTrip(nsp, "client F, which reads, to keep getting answers")
}

// closedByWrites tells from an unread websocket whether the target has
// closed it: a connection the target closed fails the next writes (the
// first one may still be taken by the kernel), one it keeps takes them.
// It writes pongs for up to check.Wait.
func (c *conn) closedByWrites() bool {
	for deadline := time.Now().Add(check.Wait); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c.send(text(engineio.Pong, "")) != nil {
			return true
		}
	}
	return false
}

// syncSetup connects nsp and joins room on a conn dialled with read=false,
// reading on the case goroutine; afterwards nothing reads it.
func (c *conn) syncSetup(nsp, room string) {
	from := c.mark()
	if err := c.sendSIO("0" + prefix(nsp)); err != nil || !c.readUntil(from, check.Wait, sioPrefix('0', nsp)) {
		c.t.Failf("CONNECT "+nsp+" answered", "%s: %v (%s)", c.name, err, c.why())
	}
	id := ackID()
	from = c.mark()
	want := "3" + prefix(nsp) + strconv.FormatInt(id, 10) + "["
	if err := c.sendSIO(fmt.Sprintf(`2%s%d["join",%q]`, prefix(nsp), id, room)); err != nil ||
		!c.readUntil(from, check.Wait, func(p engineio.Packet) bool { return strings.HasPrefix(string(p.Data), want) }) {
		c.t.Failf("join "+room+" acked (ECHO-7)", "%s: %v (%s)", c.name, err, c.why())
	}
}

// pollingOverflow: a polling session that never sends a GET POSTs message
// events (ECHO-3), each owing a message-back, until a POST gets 400 or
// floodPackets were sent.
func pollingOverflow(r *run) {
	pollingTr.require(r.t)
	nsp := echoNS(r.t)
	canary := r.canary()
	p := r.dial(pollingTr, "client P (never polls)", false)
	if err := p.sendSIO("0" + prefix(nsp)); err != nil {
		r.t.Failf("CONNECT "+nsp+" to be sent", "%v", err)
	}
	if !p.getOnce() { // the CONNECT answer; from now on, no GET
		r.t.Failf("CONNECT "+nsp+" answered", "client P: %s", p.why())
	}
	perPost := max(1, min(4096, maxPayloadOf(r.t)/2/32))
	for sent := 0; sent < floodPackets; sent += perPost {
		pkts := []engineio.Packet{text(engineio.Pong, "")} // alive, only slow (EIO-5)
		for i := range perPost {
			pkts = append(pkts, text(engineio.Message, fmt.Sprintf(`2%s["message",%d]`, prefix(nsp), sent+i)))
		}
		err := p.send(pkts...)
		var se *statusError
		switch {
		case err == nil:
			continue
		case errors.As(err, &se) && se.status == 400:
			r.t.Logf("client P: 400 after %d events", sent+perPost)
			r.canaryFine(canary)
			return
		default:
			r.t.Failf("a POST answered 400 once its answers would overflow the queue", "after %d events: %v", sent, err)
		}
	}
	r.t.Failf("a POST answered 400 once its answers would overflow the queue",
		"every POST was answered `ok`: %d message events, whose message-backs the target holds for a session that never polled", floodPackets)
}

func maxPayloadOf(t *check.T) int {
	if t.Target.MaxPayload > 0 {
		return t.Target.MaxPayload
	}
	return 1000000
}
