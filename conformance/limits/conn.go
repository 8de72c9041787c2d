package limits

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// The cases speak Engine.IO and Socket.IO by hand: they send what no client
// library would (a placeholder out of range, a text frame that is not UTF-8,
// answers nobody reads) and judge by the bytes that come back. A conn is one
// such connection at the target's Socket.IO path, over websocket or polling.

// maxKept bounds what one conn keeps of what it received.
const maxKept = 4096

var (
	// errClosed: the target closed the connection (or the session).
	errClosed = errors.New("closed by the target")
	// errBound: the case has opened as many connections as it may.
	errBound = errors.New("the case's bound of connections is reached")
)

// conn is one raw Engine.IO connection of a case. The read goroutine (the
// websocket reader or the polling GET loop) records packets and answers
// pings; the case goroutine writes and waits. Writes are serialised by wmu.
type conn struct {
	t    *check.T
	name string
	info engineio.OpenInfo
	sent *atomic.Int64 // bytes this case sent, all conns together

	ws   *websocket.Conn // websocket only
	poll *poller         // polling only
	wmu  sync.Mutex

	mu      sync.Mutex
	frames  []engineio.Packet
	invalid int           // text packets that were not UTF-8
	wake    chan struct{} // closed and replaced at every addition
	pongs   chan struct{} // websocket pong control frames
	done    chan struct{}
	err     error // why the conn ended
	code    int   // websocket close code the target sent, -1 when none
}

func newConn(t *check.T, name string, sent *atomic.Int64) *conn {
	return &conn{t: t, name: name, sent: sent, wake: make(chan struct{}), pongs: make(chan struct{}, 1),
		done: make(chan struct{}), code: -1}
}

// add records one received packet. A text packet that is not UTF-8 ends the
// conn as a browser's or Node's ws client would: with close code 1007.
func (c *conn) add(p engineio.Packet) (valid bool) {
	p.Data = bytes.Clone(p.Data)
	c.mu.Lock()
	defer c.mu.Unlock()
	valid = p.Binary || utf8.Valid(p.Data)
	if !valid {
		c.invalid++
	}
	if len(c.frames) < maxKept {
		c.frames = append(c.frames, p)
	}
	close(c.wake)
	c.wake = make(chan struct{})
	return valid
}

// end records why the conn ended; the first reason wins.
func (c *conn) end(err error, code int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.done:
		return
	default:
	}
	c.err, c.code = err, code
	close(c.done)
}

// closed reports whether the conn has ended.
func (c *conn) closed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// invalidSeen is the number of text packets received that were not UTF-8.
func (c *conn) invalidSeen() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.invalid
}

// closeCode is the websocket close code the target sent, -1 when none.
func (c *conn) closeCode() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.code
}

// why says how the conn ended, for a failure's actual.
func (c *conn) why() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		return "it is still open"
	}
	return c.err.Error()
}

// send writes packets: one websocket frame each, or one polling POST with
// them all. A polling POST answered with another status than 200 is a
// *statusError.
func (c *conn) send(pkts ...engineio.Packet) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.ws != nil {
		return c.writeWS(pkts)
	}
	for len(pkts) > 0 {
		n, body := c.batch(pkts)
		pkts = pkts[n:]
		c.sent.Add(int64(len(body)))
		c.t.Logf("%s > POST %s", c.name, clip(body))
		if err := c.poll.post(body); err != nil {
			return err
		}
	}
	return nil
}

// batch returns how many of pkts go in the next POST and its body: as many
// as fit in maxPayload (EIO-10), at least one.
func (c *conn) batch(pkts []engineio.Packet) (int, []byte) {
	limit := maxPayloadOf(c.t)
	body := engineio.AppendText(nil, pkts[0])
	n := 1
	for ; n < len(pkts); n++ {
		next := engineio.AppendText([]byte{engineio.RecordSeparator}, pkts[n])
		if len(body)+len(next) > limit {
			break
		}
		body = append(body, next...)
	}
	return n, body
}

// text is a text packet of type typ.
func text(typ engineio.PacketType, data string) engineio.Packet {
	return engineio.Packet{Type: typ, Data: []byte(data)}
}

// binary is a binary message (an attachment).
func binary(b []byte) engineio.Packet {
	return engineio.Packet{Type: engineio.Message, Data: b, Binary: true}
}

// sendSIO writes Socket.IO packets in text form without the Engine.IO type: "0/echo,", "2[…]".
func (c *conn) sendSIO(sio ...string) error {
	pkts := make([]engineio.Packet, len(sio))
	for i, s := range sio {
		pkts[i] = text(engineio.Message, s)
	}
	return c.send(pkts...)
}

// find returns the index of the first received packet at or after from that
// matches, waiting up to d; ok is false when the conn ended or d passed.
func (c *conn) find(from int, d time.Duration, match func(engineio.Packet) bool) (int, bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		c.mu.Lock()
		for i := from; i < len(c.frames); i++ {
			if match(c.frames[i]) {
				c.mu.Unlock()
				return i, true
			}
		}
		from, wake := len(c.frames), c.wake
		c.mu.Unlock()
		select {
		case <-wake:
		case <-c.done:
			c.mu.Lock()
			n := len(c.frames)
			c.mu.Unlock()
			if n > from {
				continue
			}
			return 0, false
		case <-timer.C:
			return 0, false
		case <-c.t.Context().Done():
			return 0, false
		}
	}
}

// mark is the number of packets received so far.
func (c *conn) mark() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.frames)
}

// received returns the packets received at or after from.
func (c *conn) received(from int) []engineio.Packet {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]engineio.Packet(nil), c.frames[min(from, len(c.frames)):]...)
}

// waitClosed reports whether the conn ends within d.
func (c *conn) waitClosed(d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-c.done:
		return true
	case <-timer.C:
	case <-c.t.Context().Done():
	}
	return c.closed()
}

// alive is the barrier of the cases: it asks the target something it must
// answer at once, after everything sent before, and reports whether it did
// (false: the connection or session is gone). On websocket that is a ping
// control frame (the target's websocket library answers it in order, after
// the frames before it were read); on polling a POST of a pong `3`, which
// is answered 400 once the session is gone. A target may close a polling
// session just after answering a POST (Node and the refserver answer `ok`
// and then send `1` to the held GET), so an `ok` counts only if the session
// is still there a second later. Neither an answer nor a closure within
// check.Wait fails the case.
func (c *conn) alive() bool {
	if c.closed() {
		return false
	}
	if c.ws == nil {
		err := c.send(text(engineio.Pong, ""))
		var se *statusError
		switch {
		case err == nil:
			return !c.waitClosed(time.Second)
		case errors.As(err, &se) && se.status == 400:
			return false
		case errors.As(err, &se):
			c.t.Failf("the session to go on (POST `3` answered 200) or be gone (400)", "%s: %v", c.name, err)
		}
		return !c.waitClosed(check.Wait) && !c.closed()
	}
	select {
	case <-c.pongs:
	default:
	}
	c.t.Logf("%s > websocket ping", c.name)
	if err := c.ws.WriteControl(websocket.PingMessage, []byte("stampede"), time.Now().Add(check.Wait)); err != nil {
		return !c.waitClosed(check.Wait)
	}
	timer := time.NewTimer(check.Wait)
	defer timer.Stop()
	select {
	case <-c.pongs:
		return true
	case <-c.done:
		return false
	case <-timer.C:
		c.t.Failf("the target to answer a websocket ping or close the connection", "%s: neither within %s", c.name, check.Wait)
	case <-c.t.Context().Done():
	}
	return false
}

// clip shortens data for the exchange log.
func clip(b []byte) string {
	const max = 120
	if len(b) <= max {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%q… (%d bytes)", b[:max], len(b))
}

// statusError is a polling request answered with another status than 200.
type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("HTTP %d %s", e.status, strings.TrimSpace(e.body))
}
