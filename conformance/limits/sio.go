package limits

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// The suite's shared helpers (conformance/check), by their short local names.
var (
	prefix = check.NamespacePrefix
	token  = check.Nonce
	ackID  = check.AckID
)

// echoNS is the target's echo namespace.
func echoNS(t *check.T) string { return t.Target.Echo() }

// sioPrefix matches a Socket.IO packet of type typ on nsp, for find.
func sioPrefix(typ byte, nsp string) func(engineio.Packet) bool {
	want := string(typ) + prefix(nsp)
	return func(p engineio.Packet) bool {
		return !p.Binary && p.Type == engineio.Message && strings.HasPrefix(string(p.Data), want)
	}
}

// connectNS connects namespace nsp, failing the case unless the target
// answers CONNECT with its sid.
func (c *conn) connectNS(nsp string) {
	if err := c.tryConnectNS(nsp); err != nil {
		c.t.Failf(fmt.Sprintf("CONNECT %s answered with 40%s{\"sid\":…}", nsp, prefix(nsp)), "%s: %v", c.name, err)
	}
}

// tryConnectNS is connectNS returning what went wrong; it may run on any
// goroutine.
func (c *conn) tryConnectNS(nsp string) error {
	from := c.mark()
	if err := c.sendSIO("0" + prefix(nsp)); err != nil {
		return err
	}
	i, ok := c.find(from, check.Wait, func(p engineio.Packet) bool {
		return sioPrefix('0', nsp)(p) || sioPrefix('4', nsp)(p)
	})
	if !ok {
		return fmt.Errorf("nothing came (%s)", c.why())
	}
	if got := c.received(i)[0]; !sioPrefix('0', nsp)(got) {
		return fmt.Errorf("`4%s`", clip(got.Data))
	}
	return nil
}

// call emits event with an ack id and waits for the ack; ok is false when
// the conn closed first or no ack came within check.Wait.
func (c *conn) call(nsp, event string, args ...string) (ack string, ok bool) {
	id := ackID()
	from := c.mark()
	pkt := fmt.Sprintf("2%s%d[%q", prefix(nsp), id, event)
	for _, a := range args {
		pkt += "," + a
	}
	if c.sendSIO(pkt+"]") != nil {
		return "", false
	}
	want := "3" + prefix(nsp) + strconv.FormatInt(id, 10) + "["
	i, ok := c.find(from, check.Wait, func(p engineio.Packet) bool {
		return !p.Binary && p.Type == engineio.Message && strings.HasPrefix(string(p.Data), want)
	})
	if !ok {
		return "", false
	}
	return string(c.received(i)[0].Data), true
}

// roundTrip sends message-with-ack (ECHO-4) and reports whether it was
// acked: the barrier of the cases that run on a connected namespace.
func (c *conn) roundTrip(nsp string) bool {
	_, ok := c.call(nsp, "message-with-ack", strconv.Quote("rt-"+token()))
	return ok
}

// mustRoundTrip fails the case unless a round trip is acked.
func (c *conn) mustRoundTrip(nsp, expected string) {
	if !c.roundTrip(nsp) {
		c.t.Failf(expected, "%s: message-with-ack was not acked within %s (%s)", c.name, check.Wait, c.why())
	}
}

// join puts the conn's socket of nsp in room (ECHO-7), failing the case
// unless the target acks "joined".
func (c *conn) join(nsp, room string) {
	if err := c.tryJoin(nsp, room); err != nil {
		c.t.Failf("join "+room+" acked with \"joined\" (ECHO-7)", "%s: %v", c.name, err)
	}
}

// tryJoin is join returning what went wrong; it may run on any goroutine.
func (c *conn) tryJoin(nsp, room string) error {
	ack, ok := c.call(nsp, "join", strconv.Quote(room))
	if !ok || !strings.Contains(ack, `"joined"`) {
		return fmt.Errorf("ack %q (%s)", ack, c.why())
	}
	return nil
}

// echoed returns the first message-back (ECHO-3) received at or after from,
// "" when none came.
func (c *conn) echoed(from int, nsp string) string {
	for _, p := range c.received(from) {
		d := string(p.Data)
		if !p.Binary && p.Type == engineio.Message && strings.Contains(d, `"message-back"`) &&
			(strings.HasPrefix(d, "2"+prefix(nsp)) || strings.HasPrefix(d, "5")) {
			return d
		}
	}
	return ""
}
