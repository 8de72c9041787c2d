package client

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// Engine.IO behaviour against the Node echo server.

func pkt(t engineio.PacketType, data string) engineio.Packet {
	return engineio.Packet{Type: t, Data: []byte(data)}
}

// recorder is an Options.OnRaw that keeps the packets in text form.
type recorder struct {
	mu   sync.Mutex
	sent []string
	got  []string
}

func (r *recorder) onRaw(d Direction, p engineio.Packet) {
	s := string(engineio.AppendText(nil, p))
	r.mu.Lock()
	defer r.mu.Unlock()
	if d == Sent {
		r.sent = append(r.sent, s)
	} else {
		r.got = append(r.got, s)
	}
}

func (r *recorder) count(d Direction, packet string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	list := r.got
	if d == Sent {
		list = r.sent
	}
	n := 0
	for _, s := range list {
		if s == packet {
			n++
		}
	}
	return n
}

func (r *recorder) first(d Direction) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d == Sent {
		return r.sent[0]
	}
	return r.got[0]
}

func TestOpenInfo(t *testing.T) {
	forModes(t, func(t *testing.T, mode Transports) {
		rec := &recorder{}
		c := dialEcho(t, &Options{Transports: mode, OnRaw: rec.onRaw})
		info := c.OpenInfo()
		assert.NotEmpty(t, info.SID)
		assert.Equal(t, 300, info.PingInterval)
		assert.Equal(t, 200, info.PingTimeout)
		assert.Equal(t, 1000000, info.MaxPayload)
		if mode == WebsocketOnly {
			assert.Empty(t, info.Upgrades, "EIO-9: no upgrades offered on websocket")
			assert.Equal(t, engineio.TransportWebsocket, c.Transport())
		} else {
			assert.Equal(t, []string{"websocket"}, info.Upgrades)
		}
		assert.True(t, strings.HasPrefix(rec.first(Received), `0{"sid":`), "OnRaw sees the OPEN packet")
	})
}

func TestHeartbeatKeepsConnection(t *testing.T) {
	forModes(t, func(t *testing.T, mode Transports) {
		rec := &recorder{}
		c := dialEcho(t, &Options{Transports: mode, OnRaw: rec.onRaw})
		s, _ := connectEcho(t, c, "/", nil)
		// More than three ping intervals (300 ms) of the echo server.
		time.Sleep(1200 * time.Millisecond)
		require.NoError(t, c.Err())
		assert.GreaterOrEqual(t, rec.count(Received, "2"), 3, "EIO-5: server pings")
		assert.GreaterOrEqual(t, rec.count(Sent, "3"), 3, "EIO-5: client pongs")
		_, err := s.EmitWithAck(testCtx(t), "message-with-ack", "still here")
		assert.NoError(t, err)
	})
}

func TestServerClosesWithoutPong(t *testing.T) {
	forModes(t, func(t *testing.T, mode Transports) {
		rec := &recorder{}
		c := dialEcho(t, &Options{Transports: mode, DisableAutoPong: true, OnRaw: rec.onRaw})
		s, _ := connectEcho(t, c, "/", nil)
		waitDone(t, c.Done(), "server closes a client that does not pong")
		assert.GreaterOrEqual(t, rec.count(Received, "2"), 1)
		assert.Zero(t, rec.count(Sent, "3"))
		assert.NotErrorIs(t, c.Err(), ErrClosed)
		assert.NotErrorIs(t, c.Err(), ErrPingTimeout, "the server's timeout (pingTimeout) is shorter than ours")
		assert.Contains(t, []string{ReasonTransportClose, ReasonTransportError}, s.Reason())
	})
}

func TestUpgrade(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	c := dialEcho(t, &Options{Transports: PollingThenWebsocket, OnRaw: rec.onRaw})
	s, _ := connectEcho(t, c, "/", nil)
	// Emit all through the upgrade: nothing may be lost or reordered.
	back := collect(s, "message-back")
	const n = 50
	go func() {
		for i := range n {
			_ = s.Emit(testCtx(t), "message", i)
			time.Sleep(2 * time.Millisecond)
		}
	}()
	for i := range n {
		var got int
		require.NoError(t, recv(t, back).Decode(&got))
		require.Equal(t, i, got)
	}
	waitDone(t, c.Upgraded(), "upgrade")
	assert.Equal(t, engineio.TransportWebsocket, c.Transport())
	assert.Equal(t, 1, rec.count(Sent, "2probe"))
	assert.Equal(t, 1, rec.count(Received, "3probe"))
	assert.Equal(t, 1, rec.count(Sent, "5"))
	reply, err := s.EmitWithAck(testCtx(t), "message-with-ack", "after upgrade")
	require.NoError(t, err)
	assert.JSONEq(t, `["after upgrade"]`, argsJSON(reply))
}

func TestManualUpgrade(t *testing.T) {
	t.Parallel()
	c := dialEcho(t, &Options{Transports: PollingOnly})
	s, _ := connectEcho(t, c, "/", nil)
	assert.Equal(t, engineio.TransportPolling, c.Transport())
	require.NoError(t, c.Upgrade(testCtx(t)))
	waitDone(t, c.Upgraded(), "upgrade")
	assert.Equal(t, engineio.TransportWebsocket, c.Transport())
	assert.ErrorIs(t, c.Upgrade(testCtx(t)), ErrNotPolling)
	_, err := s.EmitWithAck(testCtx(t), "message-with-ack")
	assert.NoError(t, err)

	ws := dialEcho(t, nil)
	assert.ErrorIs(t, ws.Upgrade(testCtx(t)), ErrNotPolling)
}

func TestRawEngineIOEcho(t *testing.T) {
	forModes(t, func(t *testing.T, mode Transports) {
		msgs := make(chan engineio.Packet, 8)
		c := dialEcho(t, &Options{Transports: mode, Path: "/engine.io/", OnMessage: func(p engineio.Packet) { msgs <- p }})
		require.NoError(t, c.SendPacket(testCtx(t), pkt(engineio.Message, "hello é")))
		p := recv(t, msgs)
		assert.False(t, p.Binary)
		assert.Equal(t, "hello é", string(p.Data))

		bin := []byte{0, 0xff, 'b', 1}
		require.NoError(t, c.SendPacket(testCtx(t), engineio.Packet{Type: engineio.Message, Data: bin, Binary: true}))
		p = recv(t, msgs)
		assert.True(t, p.Binary, "ECHO-1: binary stays binary")
		assert.Equal(t, bin, p.Data)
	})
}

func TestMaxPayloadCloseCode(t *testing.T) {
	t.Parallel()
	c := dialEcho(t, nil)
	big := append([]byte{'4'}, bytes.Repeat([]byte{'x'}, c.OpenInfo().MaxPayload)...)
	require.NoError(t, c.SendRawText(testCtx(t), big))
	waitDone(t, c.Done(), "closed for a message over maxPayload")
	assert.Equal(t, 1009, CloseCode(c.Err()), "EIO-10: %v", c.Err())
}

func TestClientPingIsAProtocolError(t *testing.T) {
	t.Parallel()
	// EIO-6: Node closes a v4 session that pings the server.
	c := dialEcho(t, nil)
	require.NoError(t, c.SendPacket(testCtx(t), pkt(engineio.Ping, "")))
	waitDone(t, c.Done(), "Node closes on a client ping")
	assert.NotErrorIs(t, c.Err(), ErrClosed)
}
