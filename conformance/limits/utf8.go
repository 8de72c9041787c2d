package limits

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/stampede-sio/stampede/conformance/check"
)

// notUTF8 is a string argument whose bytes are not UTF-8.
const notUTF8 = "\"stampede \xff\xfe\xc0\""

func lim3Cases() []check.Case {
	const req = "Text must be UTF-8: a websocket text frame that is not valid UTF-8 closes the connection with 1007 (RFC 6455 §8.1); a polling POST body that is not valid UTF-8 gets 400 and the session closes. The server never sends invalid UTF-8 in a text frame or a polling body, so no client can make it disconnect others."
	out := []check.Case{
		one("LIM-3/websocket-1007", req+" (A text frame `42<nsp>,[\"message\",\"…\\xff\\xfe…\"]`.)", 0, wsInvalid),
		one("LIM-3/polling-400", req+" (A POST body `42<nsp>,[\"message\",\"…\\xff\\xfe…\"]`.)", 0, pollInvalid),
	}
	return append(out, each("LIM-3/no-relay", req+" (The attacker shouts it into a room whose other member must receive nothing that is not UTF-8; the ID's transport is the attacker's.)", 0, noRelay)...)
}

// sendInvalid connects a over the echo namespace and sends a message event
// whose text is not UTF-8, returning the write's error.
func sendInvalid(a *conn, nsp, event string, args ...string) error {
	pkt := "2" + prefix(nsp) + "[" + strconv.Quote(event)
	for _, arg := range args {
		pkt += "," + arg
	}
	return a.sendSIO(pkt + "]")
}

func wsInvalid(r *run) {
	websocketTr.require(r.t)
	nsp := echoNS(r.t)
	canary := r.canary()
	a := r.dial(websocketTr, "client A (attacker)", true)
	a.connectNS(nsp)
	if err := sendInvalid(a, nsp, "message", notUTF8); err != nil {
		r.t.Logf("client A: writing the frame: %v", err)
	}
	const expected = "client A's connection closed with code 1007"
	if !a.waitClosed(check.Wait) {
		a.roundTrip(nsp)
		r.t.Failf(expected, "it stayed open for %s%s", check.Wait, echoedNote(a, nsp))
	}
	if code := a.closeCode(); code != 1007 {
		r.t.Failf(expected, "it closed with %s", closeText(code, a.why()))
	}
	r.canaryFine(canary)
}

func closeText(code int, why string) string {
	if code < 0 {
		return "no close frame: " + why
	}
	return fmt.Sprintf("code %d", code)
}

// echoedNote says what the target echoed of the invalid text, if anything.
func echoedNote(a *conn, nsp string) string {
	if e := a.echoed(0, nsp); e != "" {
		return fmt.Sprintf(", and echoed it: `4%s`", clip([]byte(e)))
	}
	return ""
}

func pollInvalid(r *run) {
	pollingTr.require(r.t)
	nsp := echoNS(r.t)
	canary := r.canary()
	a := r.dial(pollingTr, "client A (attacker)", true)
	a.connectNS(nsp)
	err := sendInvalid(a, nsp, "message", notUTF8)
	var se *statusError
	if !errors.As(err, &se) || se.status != 400 {
		got := "200 ok"
		if err != nil {
			got = err.Error()
		}
		r.t.Failf("the POST answered 400", "it was answered %s%s", got, echoedNote(a, nsp))
	}
	if a.alive() {
		r.t.Fail("the session closed after the 400", "it still answers (POST `3` got `ok`)")
	}
	r.canaryFine(canary)
}

// noRelay: client B and the attacker A are in one room; A shouts text that
// is not UTF-8 over tr. B must receive nothing invalid and stay connected.
func noRelay(r *run, tr transport) {
	nsp, room := echoNS(r.t), "lim3-"+token()
	b := r.dial(anyTransport(r.t), "client B (room member)", true)
	b.connectNS(nsp)
	b.join(nsp, room)
	a := r.dial(tr, "client A (attacker)", true)
	a.connectNS(nsp)
	a.join(nsp, room)
	if err := sendInvalid(a, nsp, "shout", strconv.Quote(room), notUTF8); err != nil {
		r.t.Logf("client A: writing the shout: %v", err)
	}
	// Barriers: the target has handled the shout once A is answered or
	// closed, and B has received what it relayed once B is answered.
	if !a.roundTrip(nsp) {
		a.waitClosed(check.Wait)
	}
	answered := b.roundTrip(nsp)
	if n := b.invalidSeen(); n > 0 {
		r.t.Failf("client B to receive nothing that is not UTF-8", "it received %d text packets that are not UTF-8 (a Node or browser client closes with 1007)", n)
	}
	if !answered {
		r.t.Failf("client B to stay connected and get answers", "message-with-ack was not answered (%s)", b.why())
	}
}
