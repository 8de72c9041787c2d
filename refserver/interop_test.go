package refserver_test

// Interop: the refserver driven by the real socket.io-client 4.8.4 from npm
// (testdata/node, installed by `make node-deps`). Each test starts its own
// refserver on httptest and runs one script of testdata/node/interop; the
// script prints one JSON object of observations and keeps its clients
// connected until its stdin closes, so the server can be inspected while they
// are there. Expected values are exact; timings get generous bounds.

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver"
)

var (
	echoAuth  = `{"token":"t-123","n":1}`
	echoFirst = `{"three":[3,{"four":null}],"five":{"six":"seven"}}`
	echoArgs  = `[` + echoFirst + `,1,"two",true,[1.5,"x"],"ünïcødé ☃ \"q\"\n"]`
	// Three attachments, one nested and one empty.
	echoBinArgs   = `[` + bin(0, 1, 2, 253, 254, 255) + `,{"nested":{"buf":` + bin([]byte("hello")...) + `,"n":2}},"text",` + bin() + `]`
	echoBinCount  = 3
	echoShout     = `{"msg":"hi room","n":[1,2]}`
	echoBinShout  = `{"blob":` + bin(0xde, 0xad, 0xbe, 0xef) + `}`
	echoShoutBins = 1
)

type echoConfig struct {
	target
	Auth         json.RawMessage `json:"auth"`
	Args         json.RawMessage `json:"args"`
	BinaryArgs   json.RawMessage `json:"binaryArgs"`
	Room         string          `json:"room"`
	Shout        json.RawMessage `json:"shout"`
	BinaryShout  json.RawMessage `json:"binaryShout"`
	AwaitUpgrade bool            `json:"awaitUpgrade"`
}

func newEchoConfig(tg target, awaitUpgrade bool) echoConfig {
	return echoConfig{
		target: tg, Auth: json.RawMessage(echoAuth), Args: json.RawMessage(echoArgs),
		BinaryArgs: json.RawMessage(echoBinArgs), Room: "r1",
		Shout: json.RawMessage(echoShout), BinaryShout: json.RawMessage(echoBinShout),
		AwaitUpgrade: awaitUpgrade,
	}
}

// wireObs counts binary packets on the wire as tapWire in lib.js does.
type wireObs struct {
	PollingBase64In, PollingBase64Out, WsBinaryIn, WsBinaryOut, PollingCloseIn int
}

type echoObs struct {
	ConnectError      json.RawMessage
	Order             []string
	OpenTransport     string
	Auth              json.RawMessage
	AckArgs           json.RawMessage
	EmitWithAck       json.RawMessage
	MessageBack       json.RawMessage
	BinaryMessageBack json.RawMessage
	BinaryAckArgs     json.RawMessage
	Rooms             struct{ ConnectErrors, JoinAcks, Members, Outsider json.RawMessage }
	NopeSameSession   json.RawMessage
	AfterNope         json.RawMessage
	SameEngineSession bool
	NopeAlone         json.RawMessage
	Upgraded          bool
	Transport         string
	SocketID          string
	Wire              wireObs
}

// echoMode is a transport setup: what the server offers, what the client
// asks for, and the transport the client opens and ends on.
type echoMode struct {
	name           string
	server, client []string
	open, end      string
}

var echoModes = []echoMode{
	{"websocket", []string{"websocket"}, []string{"websocket"}, "websocket", "websocket"},
	{"polling", []string{"polling"}, []string{"polling"}, "polling", "polling"},
	{"polling-upgrade", []string{"polling", "websocket"}, []string{"polling", "websocket"}, "polling", "websocket"},
}

// runEcho runs echo.js against namespace and checks the echo contract.
func runEcho(t *testing.T, srv *refserver.Server, url, namespace string, mode echoMode) {
	t.Helper()
	p := startNode(t, "echo", newEchoConfig(newTarget(url, srv.Config().Path, namespace, mode.client...), mode.open != mode.end))
	var obs echoObs
	p.observe(&obs)
	require.JSONEq(t, `null`, string(obs.ConnectError), "connect_error")
	// The server's view while the client is still connected.
	sock := srv.SocketIO().Socket(obs.SocketID)
	if assert.NotNil(t, sock, "server has no socket with the client's sid %q", obs.SocketID) {
		assert.Equal(t, mode.end, sock.Transport(), "server-side transport")
		assert.Equal(t, namespace, sock.Namespace())
	}
	p.finish()

	assert.Equal(t, mode.open, obs.OpenTransport, "transport at the Engine.IO open")
	assert.Equal(t, mode.end, obs.Transport, "transport at the end")
	assert.Equal(t, mode.open != mode.end, obs.Upgraded, "EIO-9 upgrade")
	// ECHO-2, SIO-2: `auth` carries the CONNECT payload, after the CONNECT reply.
	jsonEq(t, `[`+echoAuth+`]`, obs.Auth, "ECHO-2 auth event")
	assert.Equal(t, []string{"connect", "auth"}, obs.Order, "ECHO-2 order")
	jsonEq(t, echoArgs, obs.AckArgs, "ECHO-4 ack args")
	jsonEq(t, echoFirst, obs.EmitWithAck, "ECHO-4 emitWithAck")
	jsonEq(t, echoArgs, obs.MessageBack, "ECHO-3 message-back")
	jsonEq(t, echoBinArgs, obs.BinaryMessageBack, "ECHO-3, SIO-5 binary message-back")
	jsonEq(t, echoBinArgs, obs.BinaryAckArgs, "ECHO-4, SIO-5 binary ack")

	// ECHO-7: three members (the sender among them) get both shouts, in order.
	jsonEq(t, `[null,null,null]`, obs.Rooms.ConnectErrors, "peers connect")
	jsonEq(t, `[["joined"],["joined"],["joined"]]`, obs.Rooms.JoinAcks, "ECHO-7 join acks")
	member := `[[` + echoShout + `],[` + echoBinShout + `]]`
	jsonEq(t, `[`+member+`,`+member+`,`+member+`]`, obs.Rooms.Members, "ECHO-7 shouted to members")
	jsonEq(t, `[]`, obs.Rooms.Outsider, "ECHO-7 nothing for a socket outside the room")

	// SIO-3: unknown namespace, on the same Engine.IO session and on its own.
	jsonEq(t, `"Invalid namespace"`, obs.NopeSameSession, "SIO-3 same session")
	jsonEq(t, `["still-here"]`, obs.AfterNope, "SIO-3 the session still serves "+namespace)
	assert.True(t, obs.SameEngineSession, "SIO-3 the Engine.IO session stays open")
	jsonEq(t, `"Invalid namespace"`, obs.NopeAlone, "SIO-3 own session")

	// EIO-11: binary attachments cross as websocket binary frames or base64
	// polling records. In: two echoes of the binary args, three members'
	// binary shouts (all in this process); out: the binary args twice and the
	// binary shout once.
	in, out := 2*echoBinCount+3*echoShoutBins, 2*echoBinCount+echoShoutBins
	w := obs.Wire
	switch mode.name {
	case "websocket":
		assert.Equal(t, wireObs{WsBinaryIn: in, WsBinaryOut: out}, w, "EIO-11 binary frames")
	case "polling":
		assert.Equal(t, wireObs{PollingBase64In: in, PollingBase64Out: out}, w, "EIO-11 base64 records")
	default:
		assert.Equal(t, in, w.WsBinaryIn+w.PollingBase64In, "EIO-11 binary in, either transport")
		assert.Equal(t, out, w.WsBinaryOut+w.PollingBase64Out, "EIO-11 binary out, either transport")
	}
}

// TestInteropEcho: the echo namespace /echo beside the app at the default
// path, on every transport mode (EIO-14): ECHO-2 … ECHO-7, SIO-2 … SIO-5,
// EIO-9, EIO-11.
func TestInteropEcho(t *testing.T) {
	t.Parallel()
	for _, mode := range echoModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			srv, url := startServer(t, refserver.Config{Transports: mode.server})
			require.Equal(t, "/ws/socket.io", srv.Config().Path)
			runEcho(t, srv, url, "/echo", mode)
		})
	}
}

// TestInteropLabNamespaces: in lab mode (path /socket.io, both transports)
// the namespaces / and /custom serve the echo contract (PROTOCOL.md section 10).
func TestInteropLabNamespaces(t *testing.T) {
	t.Parallel()
	for _, nsp := range []string{"/", "/custom"} {
		t.Run(nsp, func(t *testing.T) {
			t.Parallel()
			srv, url := startServer(t, refserver.Config{Lab: true})
			require.Equal(t, "/socket.io", srv.Config().Path)
			runEcho(t, srv, url, nsp, echoModes[2])
		})
	}
}

type burstConfig struct {
	target
	Count   int `json:"count"`
	PerTick int `json:"perTick"`
}

type burstObs struct {
	ConnectError       json.RawMessage
	Got                []int
	SentBeforeConnect  int
	SentWhileUpgrading int
	Upgraded           bool
	Transport          string
}

// TestInteropBurstOrder: 300 events sent a few per tick from before the
// connect on (so some usually go out during the upgrade) come back as
// message-back exactly once each, in order, on every transport mode: polling
// batches and the upgrade's flush and switch lose, double and reorder
// nothing (EIO-8, EIO-9, ECHO-3, SIO-8).
func TestInteropBurstOrder(t *testing.T) {
	t.Parallel()
	const count = 300
	want := make([]int, count)
	for i := range want {
		want[i] = i
	}
	for _, mode := range echoModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			srv, url := startServer(t, refserver.Config{Transports: mode.server})
			var obs burstObs
			runNode(t, "burst", burstConfig{target: newTarget(url, srv.Config().Path, "/echo", mode.client...), Count: count, PerTick: 5}, &obs)

			require.JSONEq(t, `null`, string(obs.ConnectError), "connect_error")
			assert.Equal(t, want, obs.Got, "SIO-8 every event once, in order")
			assert.Equal(t, mode.open != mode.end, obs.Upgraded, "EIO-9 upgraded")
			assert.Positive(t, obs.SentBeforeConnect, "events buffered before the connect")
			assert.Equal(t, mode.end, obs.Transport, "transport at the end")
		})
	}
}

type disconnectConfig struct {
	target
	Auth              json.RawMessage `json:"auth"`
	Mode              string          `json:"mode"`
	ReconnectionDelay int             `json:"reconnectionDelay"`
	IdleMs            int             `json:"idleMs"`
	WatchMs           int             `json:"watchMs"`
}

type disconnectObs struct {
	ConnectError      json.RawMessage
	Auths             json.RawMessage
	Disconnects       []string
	CloseCode         *int // websocket close code seen by the client
	ClosePackets      int  // close packets `1` seen on polling after the event
	Connects          int
	ReconnectAttempts int
	FirstSocketID     string
	SocketID          string
	AfterReconnect    json.RawMessage
	Connected, Active bool
}

// TestInteropServerDisconnectNoReconnect: after the server's DISCONNECT the
// client reports "io server disconnect" and, reconnection on, stays away for
// 2 s (SIO-7, CLIENT-4); its session is then gone from the server too.
func TestInteropServerDisconnectNoReconnect(t *testing.T) {
	t.Parallel()
	for _, tr := range []string{"websocket", "polling"} {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			srv, url := startServer(t, refserver.Config{Transports: []string{tr}})
			cfg := disconnectConfig{
				target: newTarget(url, srv.Config().Path, "/echo", tr),
				Auth:   json.RawMessage(echoAuth), Mode: "server-disconnect", ReconnectionDelay: 100, WatchMs: 2000,
			}
			p := startNode(t, "disconnect", cfg)
			var obs disconnectObs
			p.observe(&obs)
			// socket.io-client closes a session that has no socket left.
			sessionsReach(t, srv, 0, "CLIENT-4 after io server disconnect")
			assert.Nil(t, srv.SocketIO().Socket(obs.FirstSocketID), "SIO-7 the server forgot the socket")
			p.finish()

			require.JSONEq(t, `null`, string(obs.ConnectError), "connect_error")
			assert.Equal(t, []string{"io server disconnect"}, obs.Disconnects, "SIO-7 reason")
			assert.Equal(t, 1, obs.Connects, "CLIENT-4 no reconnect")
			assert.Zero(t, obs.ReconnectAttempts, "CLIENT-4 no reconnect attempt")
			assert.False(t, obs.Connected, "connected")
			assert.False(t, obs.Active, "active")
			jsonEq(t, `[[`+echoAuth+`]]`, obs.Auths, "ECHO-2 one auth")
		})
	}
}

// TestInteropReconnectAfterTransportDrop: when the server drops the
// connection without a packet, as a network failure would, the client
// reconnects on its own and re-sends the same auth (CLIENT-3, CLIENT-4,
// ECHO-2); the server ends up with one session again. On websocket the
// client sees the TCP connection end without a close frame (1006, "transport
// close"); on polling its held GET fails ("xhr poll error", "transport
// error"), and no close packet `1` may arrive.
func TestInteropReconnectAfterTransportDrop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		transport, reason string
		closeCode         *int
	}{
		{"websocket", "transport close", ptr(1006)},
		{"polling", "transport error", nil},
	}
	for _, tc := range tests {
		t.Run(tc.transport, func(t *testing.T) {
			t.Parallel()
			srv, url := startServer(t, refserver.Config{Transports: []string{tc.transport}})
			cfg := disconnectConfig{
				target: newTarget(url, srv.Config().Path, "/echo", tc.transport),
				Auth:   json.RawMessage(echoAuth), Mode: "drop-transport", ReconnectionDelay: 100, IdleMs: 100,
			}
			p := startNode(t, "disconnect", cfg)
			var obs disconnectObs
			p.observe(&obs)
			sessionsReach(t, srv, 1, "after the reconnect")
			assert.Nil(t, srv.SocketIO().Socket(obs.FirstSocketID), "the dropped socket is gone")
			assert.NotNil(t, srv.SocketIO().Socket(obs.SocketID), "the new socket is served")
			p.finish()

			require.JSONEq(t, `null`, string(obs.ConnectError), "connect_error")
			assert.Equal(t, []string{tc.reason}, obs.Disconnects, "reason")
			assert.Equal(t, tc.closeCode, obs.CloseCode, "websocket close code: none sent")
			assert.Zero(t, obs.ClosePackets, "no close packet: the connection is dropped, not closed")
			assert.Equal(t, 2, obs.Connects, "CLIENT-3 reconnected once")
			assert.Equal(t, 1, obs.ReconnectAttempts, "CLIENT-3 reconnect attempts")
			jsonEq(t, `[[`+echoAuth+`],[`+echoAuth+`]]`, obs.Auths, "CLIENT-3 same auth re-sent")
			jsonEq(t, `["again"]`, obs.AfterReconnect, "ack after the reconnect")
			assert.True(t, obs.Connected, "connected")
			assert.NotEqual(t, obs.FirstSocketID, obs.SocketID, "a new Socket.IO sid")
		})
	}
}
