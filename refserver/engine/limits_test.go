package engine

import (
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver/limit"
)

// LIM-3: a websocket text frame that is not UTF-8 closes with 1007 and is
// counted; with the accept-invalid-utf8 fault it is echoed back raw.
func TestWebsocketInvalidUTF8(t *testing.T) {
	t.Parallel()
	lim := limit.New(nil)
	ts := newTestServer(t, Config{Limits: lim})
	c := openWS(t, ts)
	c.send(t, "4ok é")
	assert.Equal(t, "4ok é", c.nextText(t), "valid UTF-8 is echoed")
	c.send(t, "4bad \xff\xfe")
	err := c.ended(t)
	assert.Equal(t, websocket.CloseInvalidFramePayloadData, closeCode(err), "read error %v", err)
	assert.ErrorIs(t, ts.closeReason(t).reason, ErrInvalidUTF8)
	assert.Equal(t, uint64(1), lim.Count(limit.UTF8))

	loose := newTestServer(t, Config{Faults: Faults{AcceptInvalidUTF8: true}})
	c = openWS(t, loose)
	c.send(t, "4bad \xff\xfe")
	assert.Equal(t, "4bad \xff\xfe", c.nextText(t), "the fault relays it raw")
}

// LIM-3: a polling POST body that is not UTF-8 gets 400 and the session
// closes; with the fault it is answered ok.
func TestPollingInvalidUTF8(t *testing.T) {
	t.Parallel()
	lim := limit.New(nil)
	ts := newTestServer(t, Config{Transports: pollingOnly, Limits: lim})
	p := openPolling(t, ts, nil)
	code, _ := p.post(t, "4bad \xff")
	assert.Equal(t, http.StatusBadRequest, code)
	assert.ErrorIs(t, ts.closeReason(t).reason, ErrInvalidUTF8)
	assert.Equal(t, uint64(1), lim.Count(limit.UTF8))
	ts.drained(t)

	loose := newTestServer(t, Config{Transports: pollingOnly, Faults: Faults{AcceptInvalidUTF8: true}})
	p = openPolling(t, loose, nil)
	code, body := p.post(t, "4bad \xff")
	assert.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, "4bad \xff", p.get(t).body)
}

// LIM-6: a websocket session whose queue passes MaxQueue is closed with
// 1008 "slow consumer" and counted.
func TestWebsocketSlowConsumer(t *testing.T) {
	t.Parallel()
	lim := limit.New(nil)
	ts := newTestServer(t, Config{MaxQueue: 3, Limits: lim})
	c := openWS(t, ts)
	sess := ts.session(t)
	sess.Send(MessageFrame([]byte("1")), MessageFrame([]byte("2")), MessageFrame([]byte("3")), MessageFrame([]byte("4")))
	err := c.ended(t)
	var ce *websocket.CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, websocket.ClosePolicyViolation, ce.Code)
	assert.Equal(t, "slow consumer", ce.Text)
	assert.ErrorIs(t, ts.closeReason(t).reason, ErrSlowConsumer)
	assert.Equal(t, uint64(1), lim.Count(limit.Queue))
}

// LIM-6: a polling POST whose answers would overflow the queue is answered
// 400, not ok; with the no-queue-limit fault it is answered ok and every
// answer is kept.
func TestPollingPostOverflowsQueue(t *testing.T) {
	t.Parallel()
	lim := limit.New(nil)
	ts := newTestServer(t, Config{Transports: pollingOnly, MaxQueue: 3, Limits: lim})
	p := openPolling(t, ts, nil)
	code, _ := p.post(t, "4a\x1e4b\x1e4c\x1e4d")
	assert.Equal(t, http.StatusBadRequest, code, "four echoes, room for three")
	assert.ErrorIs(t, ts.closeReason(t).reason, ErrSlowConsumer)
	assert.Equal(t, uint64(1), lim.Count(limit.Queue))

	loose := newTestServer(t, Config{Transports: pollingOnly, MaxQueue: 3, Faults: Faults{NoQueueLimit: true}})
	p = openPolling(t, loose, nil)
	code, body := p.post(t, "4a\x1e4b\x1e4c\x1e4d")
	assert.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, "4a\x1e4b\x1e4c\x1e4d", p.get(t).body)
}

// LIM-1's mechanism: LimitNextMessage caps the next websocket messages
// below MaxPayload; one over the cap closes with 1009 and ErrReadBudget,
// and a negative cap puts MaxPayload back.
func TestLimitNextMessage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{MaxPayload: 100})
	c := openWS(t, ts)
	sess := ts.session(t)
	sess.LimitNextMessage(5) // applies once the message in flight is handled
	c.send(t, "4a")
	assert.Equal(t, "4a", c.nextText(t))
	require.NoError(t, c.write(websocket.BinaryMessage, "12345"))
	assert.Equal(t, wsMsg{Binary: true, Data: "12345"}, c.next(t), "exactly the cap passes")
	sess.LimitNextMessage(-1)
	c.send(t, "4c")
	assert.Equal(t, "4c", c.nextText(t))
	require.NoError(t, c.write(websocket.BinaryMessage, "123456"))
	assert.Equal(t, wsMsg{Binary: true, Data: "123456"}, c.next(t), "MaxPayload again")
	sess.LimitNextMessage(5)
	c.send(t, "4b")
	assert.Equal(t, "4b", c.nextText(t))
	require.NoError(t, c.write(websocket.BinaryMessage, "123456"))
	err := c.ended(t)
	assert.Equal(t, websocket.CloseMessageTooBig, closeCode(err), "read error %v", err)
	assert.ErrorIs(t, ts.closeReason(t).reason, ErrReadBudget)
}

// EIO-3, LIM-1: a polling session the server has closed (as the Socket.IO
// layer does on a protocol error such as too many attachments) refuses
// every further POST with 400 at once, without reading its body, as Node
// forgets the sid; its pending `1` still goes to the next GET.
func TestPollingPostAfterClose(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Transports: pollingOnly, PingTimeout: time.Minute})
	p := openPolling(t, ts, nil)
	ts.session(t).Close(ErrTransportClose)
	code, body := p.post(t, "4more")
	assert.Equal(t, http.StatusBadRequest, code, "a POST to a closed session: %s", body)
	assert.Contains(t, body, `"code":1`, "Session ID unknown")
	assert.Equal(t, "1", p.get(t).body, "the close packet still reaches the next GET")
}
