package engine

import (
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func openWS(t *testing.T, ts *testServer) *wsClient {
	t.Helper()
	c := dialWS(t, ts.url("ws", "EIO=4&transport=websocket"), nil, false)
	c.open(t)
	return c
}

// EIO-10: maxPayload counts the whole Engine.IO packet; exactly maxPayload is
// accepted, one byte more closes with 1009.
func TestWebsocketMaxPayload(t *testing.T) {
	t.Parallel()
	const max = 100
	ts := newTestServer(t, Config{MaxPayload: max})
	c := openWS(t, ts)

	exact := "4" + strings.Repeat("x", max-1)
	c.send(t, exact)
	assert.Equal(t, exact, c.nextText(t))

	require.NoError(t, c.write(websocket.BinaryMessage, strings.Repeat("b", max)))
	assert.Equal(t, wsMsg{Binary: true, Data: strings.Repeat("b", max)}, c.next(t))

	c.send(t, exact+"y")
	err := c.ended(t)
	assert.Equal(t, websocket.CloseMessageTooBig, closeCode(err), "read error %v", err)
	assert.ErrorIs(t, ts.closeReason(t).reason, ErrPayloadTooLarge)
}

// EIO-11: binary messages travel as websocket binary frames, both ways.
func TestWebsocketBinary(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{})
	c := openWS(t, ts)
	sess := ts.session(t)

	require.NoError(t, c.write(websocket.BinaryMessage, "\x00\x01\xff"))
	assert.Equal(t, wsMsg{Binary: true, Data: "\x00\x01\xff"}, c.next(t))
	c.send(t, "4text")
	assert.Equal(t, wsMsg{Data: "4text"}, c.next(t))

	sess.Send(Frame{Binary: true, Data: []byte{9, 8, 7}}, MessageFrame([]byte("after")))
	assert.Equal(t, wsMsg{Binary: true, Data: "\x09\x08\x07"}, c.next(t))
	assert.Equal(t, wsMsg{Data: "4after"}, c.next(t))
}

// EIO-15: a text frame that is not an Engine.IO packet (type outside 0–6)
// is a parse error and closes the session.
func TestWebsocketParseError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, frame string }{
		{"type 9", "9"},
		{"type 7 with data", "7abc"},
		{"not a digit", "x"},
		{"empty", ""},
		{"bad base64", "b!!"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, Config{})
			c := openWS(t, ts)
			c.send(t, tc.frame)
			err := c.ended(t)
			assert.Equal(t, websocket.CloseProtocolError, closeCode(err), "read error %v", err)
			assert.ErrorIs(t, ts.closeReason(t).reason, ErrParse)
		})
	}
}

// EIO-7: the client's close packet `1` ends the session.
func TestWebsocketClientClose(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{})
	c := openWS(t, ts)
	c.send(t, "1")
	assert.ErrorIs(t, ts.closeReason(t).reason, ErrClientClose)
	c.ended(t)
	ts.drained(t)
}

// Session.Close flushes what is queued, then sends a close frame 1000;
// Session.Drop closes the connection without one.
func TestWebsocketServerClose(t *testing.T) {
	t.Parallel()
	t.Run("close", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, Config{})
		c := openWS(t, ts)
		sess := ts.session(t)
		frames := make([]Frame, 50)
		for i := range frames {
			frames[i] = MessageFrame([]byte{'a' + byte(i%26)})
		}
		sess.Send(frames...)
		sess.Close(ErrServerClose)
		for i := range frames {
			assert.Equal(t, "4"+string(rune('a'+i%26)), c.nextText(t))
		}
		assert.Equal(t, websocket.CloseNormalClosure, closeCode(c.ended(t)))
		assert.ErrorIs(t, ts.closeReason(t).reason, ErrServerClose)
		<-sess.Done()
	})
	t.Run("drop", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, Config{})
		c := openWS(t, ts)
		ts.session(t).Drop()
		assert.Equal(t, websocket.CloseAbnormalClosure, closeCode(c.ended(t)))
		assert.ErrorIs(t, ts.closeReason(t).reason, ErrTransportClose)
	})
}

// Session.Batch: what a handler queues inside it (Reply and Send alike)
// goes out after it, in order, in one write; a Close inside it still sends
// the held frames before the close frame.
func TestWebsocketBatch(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{})
	c := openWS(t, ts)
	c.send(t, "4ping?") // a plain echo first: the OPEN and its write are behind us
	assert.Equal(t, "4ping?", c.nextText(t))
	before := ts.Stats().Batches.Load()
	c.send(t, "4batch")
	assert.Equal(t, "4one", c.nextText(t))
	assert.Equal(t, "4two", c.nextText(t))
	assert.Equal(t, before+1, ts.Stats().Batches.Load(), "both frames in one write")

	c.send(t, "4batch-close")
	assert.Equal(t, "4one", c.nextText(t))
	assert.Equal(t, "4two", c.nextText(t))
	assert.Equal(t, websocket.CloseNormalClosure, closeCode(c.ended(t)))
	assert.ErrorIs(t, ts.closeReason(t).reason, ErrServerClose)
}
