package sio

import (
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/protocol/socketio"
	"github.com/stampede-sio/stampede/refserver/engine"
	"github.com/stampede-sio/stampede/refserver/limit"
)

const ph0, ph1 = `{"_placeholder":true,"num":0}`, `{"_placeholder":true,"num":1}`

func limited(t *testing.T, dec socketio.Limits, connectTimeout time.Duration) (*testServer, *limit.Reporter) {
	t.Helper()
	rep := limit.New(nil)
	return newLimitedServer(t, engine.Config{MaxPayload: 100}, Limits{Decoder: &dec, ConnectTimeout: connectTimeout, Reporter: rep}), rep
}

// LIM-1: a packet announcing more than MaxAttachments is a protocol error,
// before any CONNECT too; exactly MaxAttachments is delivered.
func TestTooManyAttachments(t *testing.T) {
	t.Parallel()
	ts, rep := limited(t, socketio.Limits{MaxAttachments: 2, MaxBytes: 100}, 0)
	c := dial(t, ts)
	c.connect(t, "/t", "")
	c.send(t, `52-/t,1["echo",`+ph0+`,`+ph1+`]`)
	c.sendBinary(t, "a")
	c.sendBinary(t, "b")
	assert.Equal(t, `62-/t,1[`+ph0+`,`+ph1+`]`, c.packet(t), "two attachments are allowed")
	c.next(t)
	c.next(t)
	c.send(t, `53-/t,["echo",`+ph0+`]`)
	err := c.ended(t)
	assert.Equal(t, websocket.CloseNormalClosure, closeCode(err), "read error %v", err)

	early := dial(t, ts) // no CONNECT at all
	early.send(t, `565536-["x"]`)
	early.ended(t)
	assert.Equal(t, uint64(2), rep.Count(limit.Attachments))
	assert.Equal(t, uint64(2), ts.Stats().Protocol.Load())
}

// LIM-1: attachments together over MaxBytes close the connection; on
// websocket the read of the attachment that passes the budget stops at the
// budget (1009), so no more than MaxBytes is ever held for the packet.
func TestAttachmentsOverBudget(t *testing.T) {
	t.Parallel()
	ts, rep := limited(t, socketio.Limits{MaxAttachments: 16, MaxBytes: 10}, 0)
	c := dial(t, ts)
	sid := c.connect(t, "/t", "")
	c.send(t, `52-/t,["echo",`+ph0+`,`+ph1+`]`)
	c.sendBinary(t, "123456")
	c.sendBinary(t, "12345") // 11 bytes in all; 4 were left
	err := c.ended(t)
	assert.Equal(t, websocket.CloseMessageTooBig, closeCode(err), "read error %v", err)
	assert.Equal(t, ReasonParseError, ts.disconnected(t, sid))
	assert.Equal(t, uint64(1), rep.Count(limit.Attachments))
	assert.Equal(t, uint64(1), ts.Stats().Protocol.Load())
}

// LIM-2: a placeholder whose num is outside [0, announced) is a protocol
// error on receipt; nothing is echoed.
func TestBadPlaceholderCloses(t *testing.T) {
	t.Parallel()
	for _, num := range []string{"-1", "1", "99999999", "0.5"} {
		ts, rep := limited(t, socketio.Limits{CheckPlaceholders: true}, 0)
		c := dial(t, ts)
		sid := c.connect(t, "/t", "")
		c.send(t, `51-/t,1["echo",{"_placeholder":true,"num":`+num+`}]`)
		err := c.ended(t)
		assert.Equal(t, websocket.CloseNormalClosure, closeCode(err), "num %s: read error %v", num, err)
		assert.Equal(t, ReasonParseError, ts.disconnected(t, sid), num)
		assert.Equal(t, uint64(1), rep.Count(limit.Placeholder), num)
	}
}

// LIM-4: a session with no successful CONNECT is closed after the connect
// timeout (a refused CONNECT does not count); one that connected stays.
func TestConnectTimeout(t *testing.T) {
	t.Parallel()
	ts, rep := limited(t, socketio.Limits{}, 150*time.Millisecond)
	connected := dial(t, ts)
	connected.connect(t, "/t", "")
	idle := dial(t, ts)
	refused := dial(t, ts)
	refused.send(t, "0/nope,")
	assert.Equal(t, `4/nope,{"message":"Invalid namespace"}`, refused.packet(t))

	idle.ended(t)
	refused.ended(t)
	assert.Equal(t, uint64(2), rep.Count(limit.ConnectTimeout))
	connected.send(t, `2/t,1["echo","still here"]`)
	assert.Equal(t, `3/t,1["still here"]`, connected.packet(t), "a connected session is not timed out")
	require.Eventually(t, func() bool { return ts.eng.SessionCount() == 1 }, waitFor, 5*time.Millisecond)
}
