package sio

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver/engine"
)

// SIO-2: CONNECT gets {"sid":…}, a Socket.IO sid that is not the Engine.IO
// sid; the auth payload reaches Authorize; each namespace has its own socket.
func TestConnect(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, engine.Config{})
	c := dial(t, ts)

	sid := c.connect(t, "/t", `{"token":"abc"}`)
	assert.Len(t, sid, 20)
	assert.NotEqual(t, c.eioSID, sid, "the Socket.IO sid must differ from the Engine.IO sid")
	s := ts.Socket(sid)
	require.NotNil(t, s)
	assert.Equal(t, "/t", s.Namespace())
	assert.Equal(t, "websocket", s.Transport())

	c.send(t, `2/t,1["auth"]`)
	assert.Equal(t, `3/t,1[{"token":"abc"}]`, c.packet(t))

	other := c.connect(t, "/u", "")
	assert.NotEqual(t, sid, other, "each namespace has its own socket")
	assert.Equal(t, int64(2), ts.Stats().Sockets.Load())
}

// SIO-2: what a namespace sends on connection follows the CONNECT reply,
// in the same write (engine.Session.Batch: one writev, not one per packet).
func TestConnectedSendsWithTheReply(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, engine.Config{})
	c := dial(t, ts)
	c.connect(t, "/t", "") // the OPEN's write and this reply's are counted before
	before := ts.eng.Stats().Batches.Load()
	c.connect(t, "/greet", "")
	assert.Equal(t, `2/greet,["hello"]`, c.packet(t))
	assert.Equal(t, before+1, ts.eng.Stats().Batches.Load(), "the reply and the event in one write")
}

// SIO-6: a second CONNECT to a namespace the client already joined is a
// protocol error that closes the connection, as Node does.
func TestRepeatedConnectCloses(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, engine.Config{})
	c := dial(t, ts)
	c.connect(t, "/t", "")
	c.send(t, "0/t,")
	c.ended(t)
	assert.Equal(t, uint64(1), ts.Stats().Protocol.Load())
}

// SIO-4, SIO-7: an event whose handler disconnects the socket gets the
// DISCONNECT and no ACK after it.
func TestNoAckAfterDisconnect(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, engine.Config{})
	c := dial(t, ts)
	c.connect(t, "/t", "")
	c.send(t, `2/t,5["bye"]`)
	assert.Equal(t, "1/t,", c.packet(t))
	c.connect(t, "/t", "") // the namespace again, on the same connection
	assert.Empty(t, c.sync(t, "/t"), "no stray ACK 5 for the new socket")
}

// SIO-2: Authorize refusing the CONNECT answers CONNECT_ERROR with the
// message or the ConnectError's data; nothing is kept.
func TestConnectRefused(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, engine.Config{})
	c := dial(t, ts)
	c.send(t, `0/t,{"deny":1}`)
	assert.Equal(t, `4/t,{"message":"denied"}`, c.packet(t))
	c.send(t, `0/t,{"custom":1}`)
	assert.Equal(t, `4/t,"custom refusal"`, c.packet(t))
	assert.Zero(t, ts.Stats().Sockets.Load())
	c.connect(t, "/t", "")
}

// SIO-3: a namespace the server does not serve gets exactly
// 44/nope,{"message":"Invalid namespace"}; the Engine.IO session stays and a
// following CONNECT works.
func TestConnectUnknownNamespace(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, connect, want string }{
		{"named", "0/nope,", `4/nope,{"message":"Invalid namespace"}`},
		{"named with auth", `0/nope,{"token":"x"}`, `4/nope,{"message":"Invalid namespace"}`},
		{"main namespace not served", "0", `4{"message":"Invalid namespace"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, engine.Config{})
			c := dial(t, ts)
			c.send(t, tc.connect)
			assert.Equal(t, tc.want, c.packet(t))
			assert.Equal(t, 1, ts.eng.SessionCount())
			c.connect(t, "/t", "")
			c.send(t, `2/t,5["echo","after"]`)
			assert.Equal(t, `3/t,5["after"]`, c.packet(t))
		})
	}
}

// SIO-4: an event with an ack id gets exactly one ACK with that id when a
// handler exists and finishes (a handler that does not ack answers `[]`);
// unknown events get none, and the connection stays.
func TestAck(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, engine.Config{})
	c := dial(t, ts)
	c.connect(t, "/t", "")

	for _, tc := range []struct {
		name, send string
		want       []string // packets before the sync ack
	}{
		{"echo", `2/t,7["echo",1,"a",{"b":null}]`, []string{`3/t,7[1,"a",{"b":null}]`}},
		{"no arguments", `2/t,8["echo"]`, []string{`3/t,8[]`}},
		{"large id", `2/t,123456789["echo",true]`, []string{`3/t,123456789[true]`}},
		{"acked twice by the handler", `2/t,9["ack-twice"]`, []string{`3/t,9["first"]`}},
		{"unknown event", `2/t,10["nope",1]`, nil},
		{"handler without ack", `2/t,11["no-ack"]`, []string{`3/t,11[]`}},
		{"no ack id", `2/t,["echo",1]`, nil},
		{"namespace not connected", `2/u,12["echo",1]`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.send(t, tc.send)
			assert.Equal(t, tc.want, c.sync(t, "/t"))
		})
	}
	assert.Equal(t, 1, ts.eng.SessionCount())
	assert.Zero(t, ts.Stats().Protocol.Load())
}

// SIO-5: a binary event is reassembled from its attachments, the handler
// sees the bytes, and binary acks and emits carry them back in order.
func TestBinaryEvent(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, engine.Config{})
	c := dial(t, ts)
	c.connect(t, "/t", "")
	const ph0, ph1 = `{"_placeholder":true,"num":0}`, `{"_placeholder":true,"num":1}`

	t.Run("binary ack", func(t *testing.T) {
		c.send(t, `51-/t,3["echo",`+ph0+`]`)
		c.sendBinary(t, "\x00\x01\x02")
		assert.Equal(t, `61-/t,3[`+ph0+`]`, c.packet(t))
		assert.Equal(t, frame{Binary: true, Data: "\x00\x01\x02"}, c.next(t))
	})
	t.Run("attachments in placeholder order", func(t *testing.T) {
		c.send(t, `52-/t,4["echo","x",{"deep":[`+ph1+`]},`+ph0+`]`)
		c.sendBinary(t, "zero")
		c.sendBinary(t, "one")
		assert.Equal(t, `62-/t,4["x",{"deep":[`+ph1+`]},`+ph0+`]`, c.packet(t))
		assert.Equal(t, frame{Binary: true, Data: "zero"}, c.next(t))
		assert.Equal(t, frame{Binary: true, Data: "one"}, c.next(t))
	})
	t.Run("handler sees bytes", func(t *testing.T) {
		c.send(t, `51-/t,5["values",`+ph0+`,"s"]`)
		c.sendBinary(t, "\xff\xfe")
		assert.Equal(t, `61-/t,5["[]uint8",`+ph0+`,"string","s"]`, c.packet(t))
		assert.Equal(t, frame{Binary: true, Data: "\xff\xfe"}, c.next(t))
	})
	t.Run("binary emit", func(t *testing.T) {
		c.send(t, `51-/t,["message",`+ph0+`]`)
		c.sendBinary(t, "bin")
		assert.Equal(t, `51-/t,["message-back",`+ph0+`]`, c.packet(t))
		assert.Equal(t, frame{Binary: true, Data: "bin"}, c.next(t))
	})
	t.Run("zero attachments", func(t *testing.T) {
		c.send(t, `50-/t,6["echo",1]`)
		assert.Equal(t, `3/t,6[1]`, c.packet(t))
	})
	assert.Zero(t, ts.Stats().Protocol.Load())
}

// SIO-6: each kind of malformed packet closes that client's connection, with
// "parse error" for its sockets; another client on the server is unaffected.
func TestMalformedPacketClosesOnlyThatClient(t *testing.T) {
	t.Parallel()
	const ph0 = `{"_placeholder":true,"num":0}`
	for _, tc := range []struct {
		name   string
		frames []frame // after CONNECT to /t
	}{
		{"bad JSON", []frame{{Data: `42/t,["echo",`}}},
		{"bad JSON in CONNECT", []frame{{Data: `40/u,{`}}},
		{"unknown packet type", []frame{{Data: `47/t,["echo"]`}}},
		{"not a digit", []frame{{Data: `4x`}}},
		{"empty message", []frame{{Data: `4`}}},
		{"event name not a string", []frame{{Data: `42/t,[1,"echo"]`}}},
		{"event payload not an array", []frame{{Data: `42/t,{"echo":1}`}}},
		{"event without a name", []frame{{Data: `42/t,[]`}}},
		{"bad attachment count", []frame{{Data: `45x-/t,["echo"]`}}},
		{"text while attachments awaited", []frame{{Data: `451-/t,["echo",` + ph0 + `]`}, {Data: `42/t,["echo"]`}}},
		{"binary without pending packet", []frame{{Binary: true, Data: "\x01"}}},
		{"more attachments than announced", []frame{{Data: `451-/t,["message",` + ph0 + `]`}, {Binary: true, Data: "a"}, {Binary: true, Data: "b"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, engine.Config{})
			good := dial(t, ts)
			good.connect(t, "/t", "")
			good.send(t, `2/t,1["join","r"]`)
			require.Equal(t, `3/t,1["joined"]`, good.packet(t))

			bad := dial(t, ts)
			badSID := bad.connect(t, "/t", "")
			for _, f := range tc.frames {
				mt := websocket.TextMessage
				if f.Binary {
					mt = websocket.BinaryMessage
				}
				require.NoError(t, bad.write(mt, f.Data))
			}
			err := bad.ended(t)
			assert.Equal(t, websocket.CloseNormalClosure, closeCode(err), "read error %v", err)
			assert.Equal(t, ReasonParseError, ts.disconnected(t, badSID))
			assert.Equal(t, uint64(1), ts.Stats().Protocol.Load())

			good.send(t, `2/t,2["shout","r","still here"]`)
			assert.Equal(t, `2/t,["shouted","still here"]`, good.packet(t))
			assert.Equal(t, `3/t,2[1]`, good.packet(t))
			assert.Equal(t, 1, ts.eng.SessionCount())
		})
	}
}

func closeCode(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return -1
}

// SIO-7, ECHO-6: a client DISCONNECT leaves every room and runs the
// disconnect cleanup; the Engine.IO connection stays and pings go on.
func TestClientDisconnect(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, engine.Config{PingInterval: 50 * time.Millisecond, PingTimeout: 500 * time.Millisecond})
	a, b := dial(t, ts), dial(t, ts)
	aSID := a.connect(t, "/t", "")
	b.connect(t, "/t", "")
	for i, c := range []*client{a, b} {
		for _, room := range []string{"r", "s"} {
			c.send(t, fmt.Sprintf(`2/t,%d["join",%q]`, i, room))
			require.Equal(t, fmt.Sprintf(`3/t,%d["joined"]`, i), c.packet(t))
		}
	}
	require.Equal(t, 2, ts.Hub().Size("/t", "r"))

	a.send(t, "1/t,")
	assert.Equal(t, ReasonClientDisconnect, ts.disconnected(t, aSID))
	assert.Nil(t, ts.Socket(aSID))
	assert.Equal(t, 1, ts.Hub().Size("/t", "r"))
	assert.Equal(t, 1, ts.Hub().Size("/t", "s"))

	// A shout to the room reaches b but no longer a.
	b.send(t, `2/t,7["shout","r","hi"]`)
	assert.Equal(t, `2/t,["shouted","hi"]`, b.packet(t))
	assert.Equal(t, `3/t,7[1]`, b.packet(t))
	newSID := a.connect(t, "/t", "") // nothing queued before the CONNECT reply
	assert.NotEqual(t, aSID, newSID)

	// The Engine.IO session survives: pings go on and are answered.
	pings := a.Pings.Load()
	require.Eventually(t, func() bool { return a.Pings.Load() >= pings+3 }, waitFor, 5*time.Millisecond)
	assert.Equal(t, 2, ts.eng.SessionCount())
}

// SIO-7: the server may force a disconnect; the client gets 41 and the
// Engine.IO session stays.
func TestServerDisconnect(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, engine.Config{})
	c := dial(t, ts)
	sid := c.connect(t, "/t", "")
	c.send(t, `2/t,1["join","r"]`)
	require.Equal(t, `3/t,1["joined"]`, c.packet(t))

	ts.Socket(sid).Disconnect()
	assert.Equal(t, "1/t,", c.packet(t))
	assert.Equal(t, ReasonServerDisconnect, ts.disconnected(t, sid))
	assert.Zero(t, ts.Hub().Size("/t", "r"))
	c.connect(t, "/t", "")
	assert.Equal(t, 1, ts.eng.SessionCount())
}

// Closing the Engine.IO session disconnects every socket with "transport
// close" and leaves their rooms.
func TestTransportCloseDisconnects(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, engine.Config{})
	c := dial(t, ts)
	sids := []string{c.connect(t, "/t", ""), c.connect(t, "/u", "")}
	c.send(t, `2/t,1["join","r"]`)
	require.Equal(t, `3/t,1["joined"]`, c.packet(t))
	c.close()
	for _, sid := range sids {
		assert.Equal(t, ReasonTransportClose, ts.disconnected(t, sid))
	}
	assert.Zero(t, ts.Hub().Size("/t", "r"))
	assert.Zero(t, ts.Stats().Sockets.Load())
}

// SIO-8: events from one socket are handled in arrival order.
func TestEventOrder(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, engine.Config{})
	c := dial(t, ts)
	c.connect(t, "/t", "")
	const n = 200
	for i := range n {
		if i%2 == 0 {
			c.send(t, fmt.Sprintf(`2/t,["message",%d]`, i))
		} else {
			c.send(t, fmt.Sprintf(`2/t,%d["echo",%d]`, i, i))
		}
	}
	for i := range n {
		want := fmt.Sprintf(`2/t,["message-back",%d]`, i)
		if i%2 == 1 {
			want = fmt.Sprintf(`3/t,%d[%d]`, i, i)
		}
		require.Equal(t, want, c.packet(t), "packet %d", i)
	}
}

// SIO-6: nothing a client sends after its malformed packet is acted on, even
// what arrives before the close handshake completes.
func TestNothingHandledAfterProtocolError(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, engine.Config{})
	good := dial(t, ts)
	good.connect(t, "/t", "")
	good.joinRoom(t, "/t", "r")

	bad := dial(t, ts)
	bad.connect(t, "/t", "")
	bad.send(t, `2/t,["echo",`) // malformed
	// The same burst, before the close: these writes may already fail.
	bad.write(websocket.TextMessage, `42/t,["shout","r","too late"]`)
	bad.write(websocket.TextMessage, `42/t,["join","r"]`)
	bad.ended(t)

	assert.Empty(t, good.sync(t, "/t"), "the shout after the protocol error was broadcast")
	assert.Equal(t, 1, ts.Hub().Size("/t", "r"))
}
