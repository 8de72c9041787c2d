package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// These tests run against testdata/node/echo-server.js (socket.io 4.8.4) in
// all three transport modes.

var modes = []Transports{WebsocketOnly, PollingOnly, PollingThenWebsocket}

func forModes(t *testing.T, fn func(t *testing.T, mode Transports)) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			fn(t, mode)
		})
	}
}

const waitLimit = 5 * time.Second

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}

func dialEcho(t *testing.T, o *Options) *Conn {
	t.Helper()
	c, err := Dial(testCtx(t), echoServer(t), o)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// collect registers a handler for name that queues its events.
func collect(s *Socket, name string) <-chan Event {
	ch := make(chan Event, 64)
	s.On(name, func(e Event) { ch <- e })
	return ch
}

func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitLimit):
		t.Fatalf("nothing received within %s", waitLimit)
		panic("unreachable")
	}
}

func waitDone(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(waitLimit):
		t.Fatalf("%s: not within %s", what, waitLimit)
	}
}

func argsJSON(p Payload) string { return string(socketio.JoinArgs(p.Args)) }

func connectEcho(t *testing.T, c *Conn, nsp string, auth any) (*Socket, <-chan Event) {
	t.Helper()
	s := c.Socket(nsp)
	authEv := collect(s, "auth")
	require.NoError(t, s.Connect(testCtx(t), auth))
	return s, authEv
}

func TestConnectAuth(t *testing.T) {
	forModes(t, func(t *testing.T, mode Transports) {
		c := dialEcho(t, &Options{Transports: mode})
		s := c.Socket("/")
		names := make(chan string, 8)
		s.OnAny(func(e Event) { names <- e.Name })
		authEv := collect(s, "auth")
		require.NoError(t, s.Connect(testCtx(t), map[string]any{"token": "abc"}))
		assert.True(t, s.Connected())
		assert.Equal(t, "auth", recv(t, names), "OnAny sees every event")
		assert.NotEmpty(t, s.ID())
		assert.NotEqual(t, c.OpenInfo().SID, s.ID(), "the Socket.IO sid is not the Engine.IO sid")
		assert.Equal(t, "/", s.Namespace())
		ev := recv(t, authEv)
		assert.JSONEq(t, `[{"token":"abc"}]`, argsJSON(ev.Payload))
	})
}

func TestConnectCustomNamespace(t *testing.T) {
	forModes(t, func(t *testing.T, mode Transports) {
		c := dialEcho(t, &Options{Transports: mode})
		root, _ := connectEcho(t, c, "/", nil)
		custom, authEv := connectEcho(t, c, "/custom", nil)
		assert.JSONEq(t, `[{}]`, argsJSON(recv(t, authEv).Payload), "ECHO-2: no payload gives {}")
		assert.NotEqual(t, root.ID(), custom.ID())

		back := collect(custom, "message-back")
		require.NoError(t, custom.Emit(testCtx(t), "message", "on custom"))
		assert.JSONEq(t, `["on custom"]`, argsJSON(recv(t, back).Payload))
	})
}

func TestConnectInvalidNamespace(t *testing.T) {
	forModes(t, func(t *testing.T, mode Transports) {
		c := dialEcho(t, &Options{Transports: mode})
		s := c.Socket("/nope")
		err := s.Connect(testCtx(t), nil)
		var ce *ConnectError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "/nope", ce.Namespace)
		assert.Equal(t, "Invalid namespace", ce.Message())
		assert.JSONEq(t, `{"message":"Invalid namespace"}`, string(ce.Data))
		assert.Equal(t, ReasonConnectError, s.Reason())

		// SIO-3: the Engine.IO session stays open.
		_, authEv := connectEcho(t, c, "/", nil)
		recv(t, authEv)
		assert.NoError(t, c.Err())
	})
}

func TestEmitEcho(t *testing.T) {
	forModes(t, func(t *testing.T, mode Transports) {
		c := dialEcho(t, &Options{Transports: mode})
		s, _ := connectEcho(t, c, "/", nil)
		back := collect(s, "message-back")
		require.NoError(t, s.Emit(testCtx(t), "message", "hello", 42, map[string]any{"a": []int{1, 2}}, nil, json.RawMessage(`{"raw":true}`)))
		ev := recv(t, back)
		assert.Equal(t, "message-back", ev.Name)
		assert.False(t, ev.WantsAck())
		assert.JSONEq(t, `["hello",42,{"a":[1,2]},null,{"raw":true}]`, argsJSON(ev.Payload))

		var (
			str string
			num int
		)
		require.NoError(t, ev.Decode(&str, &num))
		assert.Equal(t, "hello", str)
		assert.Equal(t, 42, num)
	})
}

func TestEmitWithAck(t *testing.T) {
	forModes(t, func(t *testing.T, mode Transports) {
		c := dialEcho(t, &Options{Transports: mode})
		s, _ := connectEcho(t, c, "/", nil)
		for i := range 3 {
			reply, err := s.EmitWithAck(testCtx(t), "message-with-ack", "ping", i)
			require.NoError(t, err)
			assert.JSONEq(t, fmt.Sprintf(`["ping",%d]`, i), argsJSON(reply))
		}
		reply, err := s.EmitWithAck(testCtx(t), "message-with-ack")
		require.NoError(t, err)
		assert.Empty(t, reply.Args)
	})
}

func TestAckTimeout(t *testing.T) {
	t.Parallel()
	c := dialEcho(t, nil)
	s, _ := connectEcho(t, c, "/", nil)
	// The echo server's "message" handler takes the ack but never calls it.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := s.EmitWithAck(ctx, "message", "x")
	assert.ErrorIs(t, err, ErrAckTimeout)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	// The Socket is still usable and the late id is forgotten.
	_, err = s.EmitWithAck(testCtx(t), "message-with-ack", 1)
	assert.NoError(t, err)
}

func TestBinary(t *testing.T) {
	forModes(t, func(t *testing.T, mode Transports) {
		c := dialEcho(t, &Options{Transports: mode})
		s, _ := connectEcho(t, c, "/", nil)
		blob := []byte{0, 1, 2, 0xfe, 0xff}
		other := []byte("second")

		back := collect(s, "message-back")
		require.NoError(t, s.Emit(testCtx(t), "message", "bin", blob, map[string]any{"nested": other}))
		ev := recv(t, back)
		require.Len(t, ev.Attachments, 2)
		var (
			name   string
			got    []byte
			nested struct{ Nested []byte }
		)
		require.NoError(t, ev.Decode(&name, &got, &nested))
		assert.Equal(t, "bin", name)
		assert.Equal(t, blob, got)
		assert.Equal(t, other, nested.Nested)

		reply, err := s.EmitWithAck(testCtx(t), "message-with-ack", blob, "text")
		require.NoError(t, err)
		vals, err := reply.Values()
		require.NoError(t, err)
		assert.Equal(t, []any{blob, "text"}, vals, "ECHO-4: BINARY_ACK keeps the bytes")
	})
}

func TestServerCallAck(t *testing.T) {
	forModes(t, func(t *testing.T, mode Transports) {
		c := dialEcho(t, &Options{Transports: mode})
		s := c.Socket("/")
		s.On("question", func(e Event) {
			if !e.WantsAck() {
				return
			}
			var q string
			_ = e.Decode(&q)
			_ = e.Ack("re: "+q, []byte{9, 8, 7})
		})
		answers := collect(s, "answer")
		require.NoError(t, s.Connect(testCtx(t), nil))
		require.NoError(t, s.Emit(testCtx(t), "ask", "why"))
		ev := recv(t, answers)
		vals, err := ev.Values()
		require.NoError(t, err)
		assert.Equal(t, []any{[]any{"re: why", []byte{9, 8, 7}}}, vals, "CHAT-2: the client's ack reaches the server")
	})
}

func TestRooms(t *testing.T) {
	forModes(t, func(t *testing.T, mode Transports) {
		var members []<-chan Event
		var shouter *Socket
		for range 3 {
			s, _ := connectEcho(t, dialEcho(t, &Options{Transports: mode}), "/", nil)
			members = append(members, collect(s, "shouted"))
			reply, err := s.EmitWithAck(testCtx(t), "join", "room-"+mode.String())
			require.NoError(t, err)
			assert.JSONEq(t, `["joined"]`, argsJSON(reply))
			shouter = s
		}
		outsider, _ := connectEcho(t, dialEcho(t, &Options{Transports: mode}), "/", nil)
		outside := collect(outsider, "shouted")

		require.NoError(t, shouter.Emit(testCtx(t), "shout", "room-"+mode.String(), map[string]any{"n": 1}))
		for _, ch := range members {
			assert.JSONEq(t, `[{"n":1}]`, argsJSON(recv(t, ch).Payload))
		}
		// The outsider's round trip proves the shout had its chance to arrive.
		_, err := outsider.EmitWithAck(testCtx(t), "message-with-ack")
		require.NoError(t, err)
		assert.Empty(t, outside, "a socket outside the room got the shout")
	})
}

func TestServerDisconnect(t *testing.T) {
	forModes(t, func(t *testing.T, mode Transports) {
		c := dialEcho(t, &Options{Transports: mode})
		s, _ := connectEcho(t, c, "/", nil)
		require.NoError(t, s.Emit(testCtx(t), "server-disconnect"))
		waitDone(t, s.Disconnected(), "socket disconnected")
		assert.Equal(t, ReasonServerDisconnect, s.Reason())
		assert.ErrorIs(t, s.Emit(testCtx(t), "message"), ErrDisconnected)

		// ECHO-6: the Engine.IO connection outlives its last namespace.
		time.Sleep(2 * time.Duration(c.OpenInfo().PingInterval) * time.Millisecond)
		require.NoError(t, c.Err())
		s2, authEv := connectEcho(t, c, "/", nil)
		recv(t, authEv)
		assert.NotEqual(t, s.ID(), s2.ID())
	})
}

func TestClientDisconnect(t *testing.T) {
	forModes(t, func(t *testing.T, mode Transports) {
		c := dialEcho(t, &Options{Transports: mode})
		s, _ := connectEcho(t, c, "/custom", nil)
		require.NoError(t, s.Disconnect())
		waitDone(t, s.Disconnected(), "socket disconnected")
		assert.Equal(t, ReasonClientDisconnect, s.Reason())
		_, err := s.EmitWithAck(testCtx(t), "message-with-ack")
		assert.ErrorIs(t, err, ErrDisconnected)
		assert.NoError(t, c.Err())
	})
}

func TestDropTransport(t *testing.T) {
	forModes(t, func(t *testing.T, mode Transports) {
		c := dialEcho(t, &Options{Transports: mode})
		s, _ := connectEcho(t, c, "/", nil)
		if mode == PollingThenWebsocket {
			waitDone(t, c.Upgraded(), "upgrade")
		}
		// On polling the GET may bring the close before the POST's "ok":
		// the Emit then reports the closed Conn, which is fine here.
		_ = s.Emit(testCtx(t), "drop-transport")
		waitDone(t, c.Done(), "connection closed")
		waitDone(t, s.Disconnected(), "socket disconnected")
		assert.Equal(t, ReasonTransportClose, s.Reason())
		err := c.Err()
		if mode == PollingOnly {
			assert.ErrorIs(t, err, ErrServerClose, "polling: the pending GET carries `1`")
		} else {
			var te *TransportError
			assert.ErrorAs(t, err, &te)
			assert.NotEqual(t, -1, CloseCode(err), "websocket: a close frame")
		}
		assert.ErrorIs(t, s.Emit(testCtx(t), "message"), ErrDisconnected)
		assert.ErrorIs(t, c.SendPacket(testCtx(t), pkt(4, "x")), ErrClosed)
	})
}

func TestCloseTellsSockets(t *testing.T) {
	forModes(t, func(t *testing.T, mode Transports) {
		c := dialEcho(t, &Options{Transports: mode})
		s, _ := connectEcho(t, c, "/", nil)
		require.NoError(t, c.Close())
		select {
		case <-c.Done():
		default:
			t.Fatal("Done not closed when Close returned")
		}
		assert.Equal(t, ReasonClientDisconnect, s.Reason())
		assert.ErrorIs(t, c.Err(), ErrClosed)
		assert.ErrorIs(t, s.Emit(testCtx(t), "message"), ErrDisconnected)
		_, err := c.Connect(testCtx(t), "/", nil)
		assert.ErrorIs(t, err, ErrDisconnected)
		require.NoError(t, c.Close(), "Close twice")
	})
}

func TestConnectConcurrentEmits(t *testing.T) {
	forModes(t, func(t *testing.T, mode Transports) {
		c := dialEcho(t, &Options{Transports: mode})
		s, _ := connectEcho(t, c, "/", nil)
		const n = 20
		errs := make(chan error, n)
		for i := range n {
			go func() {
				reply, err := s.EmitWithAck(testCtx(t), "message-with-ack", i)
				if err == nil && argsJSON(reply) != fmt.Sprintf("[%d]", i) {
					err = errors.New("wrong ack " + argsJSON(reply))
				}
				errs <- err
			}()
		}
		for range n {
			assert.NoError(t, recv(t, errs))
		}
	})
}

func TestEmitRaw(t *testing.T) {
	forModes(t, func(t *testing.T, mode Transports) {
		c := dialEcho(t, &Options{Transports: mode})
		s, _ := connectEcho(t, c, "/custom", nil)
		back := collect(s, "message-back")
		p := socketio.Packet{
			Type:        socketio.BinaryEvent,
			ID:          socketio.NoID,
			Attachments: 1,
			Data:        json.RawMessage(`["message",{"_placeholder":true,"num":0}]`),
		}
		require.NoError(t, s.EmitRaw(testCtx(t), p, [][]byte{{42}}))
		var got []byte
		require.NoError(t, recv(t, back).Decode(&got))
		assert.Equal(t, []byte{42}, got)
	})
}

func TestCloseRacesUpgrade(t *testing.T) {
	t.Parallel()
	// Close at every stage of the background upgrade; goleak in TestMain
	// checks that nothing is left behind.
	for i := range 10 {
		c := dialEcho(t, &Options{Transports: PollingThenWebsocket})
		time.Sleep(time.Duration(i) * time.Millisecond)
		require.NoError(t, c.Close())
		assert.ErrorIs(t, c.Err(), ErrClosed)
	}
}

func TestAfterDisconnect(t *testing.T) {
	forModes(t, func(t *testing.T, mode Transports) {
		c := dialEcho(t, &Options{Transports: mode})
		s, _ := connectEcho(t, c, "/", nil)
		fired := make(chan string, 3)
		s.AfterDisconnect(func() { fired <- "kept: " + s.Reason() })
		stop := s.AfterDisconnect(func() { fired <- "stopped" })
		assert.True(t, stop(), "stop before the end")
		assert.False(t, stop(), "stop twice")
		require.NoError(t, s.Emit(testCtx(t), "server-disconnect"))
		assert.Equal(t, "kept: "+ReasonServerDisconnect, recv(t, fired))

		late := s.AfterDisconnect(func() { fired <- "late" })
		assert.Equal(t, "late", recv(t, fired), "registered after the end: runs at once")
		assert.False(t, late(), "too late to stop")
		select {
		case got := <-fired:
			t.Errorf("unexpected callback %q", got)
		case <-time.After(50 * time.Millisecond):
		}
	})
}
