package refserver_test

// Interop: the refserver driven by the real socket.io-client 4.8.4 from npm
// (testdata/node, installed by `make node-deps`). Each test starts its own
// refserver on httptest and runs one script of testdata/node/interop; the
// script prints one JSON object of observations and keeps its clients
// connected until its stdin closes, so the server can be inspected while they
// are there. Expected values are exact; timings get generous bounds.

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver"
)

type heartbeatConfig struct {
	target
	DropPongsAfter int `json:"dropPongsAfter"`
	ClientSlackMs  int `json:"clientSlackMs"`
	WatchMs        int `json:"watchMs"`
}

type heartbeatObs struct {
	ConnectError    json.RawMessage
	Pings           int
	PongsSent       int
	PongsDropped    int
	Disconnects     []string
	SinceLastPongMs *int
	ConnectedForMs  int
	Ack             json.RawMessage
	Connected       bool
}

// heartbeatServer pings every 300 ms and waits pingTimeout for the pong.
func heartbeatServer(t *testing.T, pingTimeout time.Duration, transport string) (*refserver.Server, target) {
	t.Helper()
	srv, url := startServer(t, refserver.Config{
		PingInterval: 300 * time.Millisecond, PingTimeout: pingTimeout, Transports: []string{transport},
	})
	return srv, newTarget(url, srv.Config().Path, "/echo", transport)
}

// TestInteropPingTimeout: a client that stops answering pings is closed by
// the server pingInterval+pingTimeout after its last pong (EIO-5); the client
// sees the connection end under it ("transport close": the TCP connection on
// websocket, the close packet on polling).
func TestInteropPingTimeout(t *testing.T) {
	t.Parallel()
	for _, tr := range []string{"websocket", "polling"} {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			srv, tg := heartbeatServer(t, 200*time.Millisecond, tr)
			p := startNode(t, "heartbeat", heartbeatConfig{target: tg, DropPongsAfter: 1, ClientSlackMs: 5000})
			var obs heartbeatObs
			p.observe(&obs)
			sessionsReach(t, srv, 0, "EIO-5 the silent session is closed")
			p.finish()

			require.JSONEq(t, `null`, string(obs.ConnectError), "connect_error")
			assert.Equal(t, 1, obs.PongsSent, "pongs answered before going silent")
			assert.GreaterOrEqual(t, obs.PongsDropped, 1, "pongs dropped")
			assert.Equal(t, []string{"transport close"}, obs.Disconnects, "EIO-5 reason on the client")
			assert.False(t, obs.Connected)
			if assert.NotNil(t, obs.SinceLastPongMs, "time from the last pong to the disconnect") {
				// 300 ms + 200 ms, with room for a slow machine under -race.
				assert.GreaterOrEqual(t, *obs.SinceLastPongMs, 400, "EIO-5 closed too early")
				assert.LessOrEqual(t, *obs.SinceLastPongMs, 1500, "EIO-5 closed too late")
			}
		})
	}
}

// TestInteropHeartbeatKeepsAlive: the control for TestInteropPingTimeout: a
// client that answers pings stays connected for more than five ping
// intervals (EIO-5) and its acks still work. The pong deadline is 1 s here,
// not 200 ms: a round trip to Node can take longer than 200 ms on a loaded
// machine, and a server that ignored pongs would still close at 1.3 s, well
// inside the 1.9 s watch.
func TestInteropHeartbeatKeepsAlive(t *testing.T) {
	t.Parallel()
	srv, tg := heartbeatServer(t, time.Second, "websocket")
	p := startNode(t, "heartbeat", heartbeatConfig{target: tg, DropPongsAfter: -1, ClientSlackMs: 5000, WatchMs: 1900})
	var obs heartbeatObs
	p.observe(&obs)
	assert.Equal(t, 1, srv.SessionCount(), "the session is still open")
	p.finish()

	require.JSONEq(t, `null`, string(obs.ConnectError), "connect_error")
	assert.Empty(t, obs.Disconnects, "disconnects")
	assert.True(t, obs.Connected, "connected")
	assert.Greater(t, obs.ConnectedForMs, 5*300, "watched for more than five intervals")
	assert.GreaterOrEqual(t, obs.Pings, 5, "EIO-5 pings received")
	assert.Equal(t, obs.Pings, obs.PongsSent, "every ping answered")
	assert.Zero(t, obs.PongsDropped)
	jsonEq(t, `["alive"]`, obs.Ack, "ack after the watch")
}

type maxPayloadConfig struct {
	target
	BigSize int `json:"bigSize"`
	FitSize int `json:"fitSize"`
}

type maxPayloadObs struct {
	ConnectErrors json.RawMessage
	Big           struct {
		Disconnects  []string
		CloseCode    *int
		HTTPStatus   *int
		MessageBacks int
	}
	Fits struct {
		MessageBackLength json.RawMessage
		Ack               json.RawMessage
		Connected         bool
	}
}

// TestInteropMaxPayload: a message over maxPayload cuts that client off
// while another client is unaffected, and a message of exactly maxPayload
// bytes is served (EIO-10). On websocket the server closes with 1009 (the
// client's reason: "transport close"); on polling the POST gets 413, which
// the client takes for a transport error.
func TestInteropMaxPayload(t *testing.T) {
	t.Parallel()
	const maxPayload = 1000
	// The whole Engine.IO packet counts: 42/echo,["message","<n bytes>"].
	fit := maxPayload - len(`42/echo,["message",""]`)
	tests := []struct {
		transport, reason string
		closeCode         *int
		httpStatus        *int
	}{
		{"websocket", "transport close", ptr(1009), nil},
		{"polling", "transport error", nil, ptr(413)},
	}
	for _, tc := range tests {
		t.Run(tc.transport, func(t *testing.T) {
			t.Parallel()
			srv, url := startServer(t, refserver.Config{MaxPayload: maxPayload, Transports: []string{tc.transport}})
			cfg := maxPayloadConfig{target: newTarget(url, srv.Config().Path, "/echo", tc.transport), BigSize: 2000, FitSize: fit}
			p := startNode(t, "maxpayload", cfg)
			var obs maxPayloadObs
			p.observe(&obs)
			sessionsReach(t, srv, 1, "EIO-10 only the oversized client is gone")
			p.finish()

			jsonEq(t, `[null,null]`, obs.ConnectErrors, "connect_error")
			assert.Equal(t, []string{tc.reason}, obs.Big.Disconnects, "EIO-10 oversized client's reason")
			assert.Equal(t, tc.closeCode, obs.Big.CloseCode, "EIO-10 websocket close code")
			assert.Equal(t, tc.httpStatus, obs.Big.HTTPStatus, "EIO-10 polling POST status")
			assert.Zero(t, obs.Big.MessageBacks, "the oversized message is not echoed")
			jsonEq(t, strconv.Itoa(fit), obs.Fits.MessageBackLength, "EIO-10 exactly maxPayload is accepted")
			jsonEq(t, `["unaffected"]`, obs.Fits.Ack, "the other client's ack")
			assert.True(t, obs.Fits.Connected, "the other client stays connected")
		})
	}
}

func ptr[T any](v T) *T { return &v }

type rawConfig struct {
	target
	Messages     json.RawMessage `json:"messages"`
	AwaitUpgrade bool            `json:"awaitUpgrade"`
}

type rawObs struct {
	OpenError     json.RawMessage
	OpenTransport string
	BeforeSending int
	Received      json.RawMessage
	Transport     string
	Wire          wireObs
}

// TestInteropRawEngineEcho: engine.io-client against the raw Engine.IO echo
// at /engine.io/: text and binary messages come back unchanged, binary as
// binary, and nothing comes unasked (ECHO-1, EIO-11).
func TestInteropRawEngineEcho(t *testing.T) {
	t.Parallel()
	parts := []string{`"hello"`, `"ünïcødé ☃ 😀"`, `"b looks like base64"`, `"4 looks like a packet"`,
		bin(0, 1, 2, 255), bin([]byte("binary")...), `""`}
	messages := "[" + strings.Join(parts, ",") + "]"
	// The empty message crosses as the packet `4`, which engine.io-parser
	// hands over without data: JSON null here.
	parts[len(parts)-1] = `null`
	want := "[" + strings.Join(parts, ",") + "]"
	const binaries = 2
	for _, mode := range echoModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			_, url := startServer(t, refserver.Config{Transports: mode.server})
			cfg := rawConfig{
				target:   newTarget(url, refserver.EnginePath, "", mode.client...),
				Messages: json.RawMessage(messages), AwaitUpgrade: mode.open != mode.end,
			}
			var obs rawObs
			runNode(t, "raw", cfg, &obs)

			require.JSONEq(t, `null`, string(obs.OpenError), "open error")
			assert.Equal(t, mode.open, obs.OpenTransport, "transport at open")
			assert.Equal(t, mode.end, obs.Transport, "transport at the end")
			assert.Zero(t, obs.BeforeSending, "ECHO-1 nothing before the first message")
			jsonEq(t, want, obs.Received, "ECHO-1 echoed messages")
			switch mode.name {
			case "websocket":
				assert.Equal(t, wireObs{WsBinaryIn: binaries, WsBinaryOut: binaries}, obs.Wire, "EIO-11")
			case "polling":
				assert.Equal(t, wireObs{PollingBase64In: binaries, PollingBase64Out: binaries}, obs.Wire, "EIO-11")
			default: // upgraded before sending
				assert.Equal(t, wireObs{WsBinaryIn: binaries, WsBinaryOut: binaries}, obs.Wire, "EIO-11")
			}
		})
	}
}

type corsCase struct {
	Origin     string   `json:"origin"`
	Transports []string `json:"transports"`
	// What socket.io-client reports when refused: its connect_error message
	// and the error's description (the HTTP status, as each transport shows it).
	wantError, wantDescription string
}

type corsConfig struct {
	target
	Cases []corsCase `json:"cases"`
}

type corsObs struct {
	ConnectError json.RawMessage
	Description  json.RawMessage
	Connected    bool
}

// TestInteropCORS: with an allow-list, a client whose Origin is not on it
// cannot connect, on polling or websocket; an allowed Origin, or none, can
// (EIO-12).
func TestInteropCORS(t *testing.T) {
	t.Parallel()
	const good, evil = "http://good.example", "http://evil.example"
	srv, url := startServer(t, refserver.Config{
		Transports: []string{"polling", "websocket"}, CORSOrigins: []string{good},
	})
	cases := []corsCase{
		{evil, []string{"polling"}, "xhr poll error", "400"},
		{evil, []string{"websocket"}, "websocket error", "Unexpected server response: 400"},
		{good, []string{"polling"}, "", ""},
		{good, []string{"websocket"}, "", ""},
		{"", []string{"polling"}, "", ""}, // no Origin header at all
		{"", []string{"websocket"}, "", ""},
	}
	p := startNode(t, "cors", corsConfig{target: newTarget(url, srv.Config().Path, "/echo"), Cases: cases})
	var obs []corsObs
	p.observe(&obs)
	assert.Equal(t, 4, srv.SessionCount(), "EIO-12 sessions: allowed and no Origin, on both transports")
	p.finish()

	require.Len(t, obs, len(cases))
	for i, c := range cases {
		name := fmt.Sprintf("EIO-12 origin %q on %s", c.Origin, c.Transports[0])
		if c.wantError == "" {
			assert.True(t, obs[i].Connected, "%s: connected", name)
			assert.JSONEq(t, `null`, string(obs[i].ConnectError), "%s: connect_error", name)
			continue
		}
		assert.False(t, obs[i].Connected, "%s: connected", name)
		jsonEq(t, strconv.Quote(c.wantError), obs[i].ConnectError, name+": connect_error")
		jsonEq(t, strconv.Quote(c.wantDescription), obs[i].Description, name+": HTTP 400")
	}
}
