package refserver_test

// Interop: the refserver driven by the real socket.io-client 4.8.4 from npm
// (testdata/node, installed by `make node-deps`). Each test starts its own
// refserver on httptest and runs one script of testdata/node/interop; the
// script prints one JSON object of observations and keeps its clients
// connected until its stdin closes, so the server can be inspected while they
// are there. Expected values are exact; timings get generous bounds.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver"
)

// clientVersion is the socket.io-client that testdata/node/package.json pins.
const clientVersion = "4.8.4"

// nodeTimeout bounds one script run, holding time included.
const nodeTimeout = 30 * time.Second

// waitMs bounds each single wait inside a script; quietMs is how long a
// script keeps listening for deliveries that must not happen; after
// deadlineMs a script prints what it has observed so far and exits 3.
const (
	waitMs     = 3000
	quietMs    = 150
	deadlineMs = 20000
)

// nodeEnv returns the node binary and testdata/node, or fails the test:
// interop is part of `make test` and is never skipped.
func nodeEnv(t *testing.T) (bin, dir string) {
	t.Helper()
	bin, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node not found in PATH (%v): install Node.js and run make node-deps", err)
	}
	dir, err = filepath.Abs(filepath.Join("..", "testdata", "node"))
	require.NoError(t, err)
	pkg, err := os.ReadFile(filepath.Join(dir, "node_modules", "socket.io-client", "package.json"))
	if err != nil {
		t.Fatalf("socket.io-client is not installed in %s (%v): run make node-deps", dir, err)
	}
	var v struct{ Version string }
	require.NoError(t, json.Unmarshal(pkg, &v))
	if v.Version != clientVersion {
		t.Fatalf("socket.io-client %s installed, want %s: run make node-deps", v.Version, clientVersion)
	}
	return bin, dir
}

// nodeProc is one running interop script.
type nodeProc struct {
	t        *testing.T
	script   string
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	stdout   io.Reader
	stderr   *lockedBuffer
	waitOnce sync.Once
	waitErr  error
}

// lockedBuffer collects stderr, written by exec's copying goroutine and read
// by failure messages.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startNode runs testdata/node/interop/<script>.js with cfg as its JSON argument.
func startNode(t *testing.T, script string, cfg any) *nodeProc {
	t.Helper()
	bin, dir := nodeEnv(t)
	arg, err := json.Marshal(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), nodeTimeout)
	cmd := exec.CommandContext(ctx, bin, filepath.Join(dir, "interop", script+".js"), string(arg))
	cmd.Dir = dir
	cmd.WaitDelay = time.Second
	p := &nodeProc{t: t, script: script, cmd: cmd, stderr: &lockedBuffer{}}
	cmd.Stderr = p.stderr
	p.stdin, err = cmd.StdinPipe()
	require.NoError(t, err)
	p.stdout, err = cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start(), "failed to start %s.js", script)
	t.Cleanup(func() {
		cancel()
		p.wait()
	})
	return p
}

func (p *nodeProc) wait() error {
	p.waitOnce.Do(func() { p.waitErr = p.cmd.Wait() })
	return p.waitErr
}

// observe decodes the script's observations into v.
func (p *nodeProc) observe(v any) {
	p.t.Helper()
	var raw json.RawMessage
	if err := json.NewDecoder(p.stdout).Decode(&raw); err != nil {
		p.stdin.Close()
		p.t.Fatalf("%s.js printed no observations (%v; exit: %v)\nstderr:\n%s", p.script, err, p.wait(), p.stderr)
	}
	p.t.Logf("%s.js observed: %s", p.script, raw)
	require.NoError(p.t, json.Unmarshal(raw, v), "decode observations of %s.js", p.script)
}

// finish closes the script's stdin, which makes it disconnect and exit.
func (p *nodeProc) finish() {
	p.t.Helper()
	p.stdin.Close()
	io.Copy(io.Discard, p.stdout)
	err := p.wait()
	if s := p.stderr.String(); s != "" {
		p.t.Logf("%s.js stderr:\n%s", p.script, s) // e.g. with DEBUG=engine.io-client:*
	}
	if err != nil {
		p.t.Fatalf("%s.js failed: %v\nstderr:\n%s", p.script, err, p.stderr)
	}
}

// runNode runs a script to the end and decodes its observations into v.
func runNode(t *testing.T, script string, cfg, v any) {
	t.Helper()
	p := startNode(t, script, cfg)
	p.observe(v)
	p.finish()
}

// startServer serves a refserver on 127.0.0.1 until the test ends.
func startServer(t *testing.T, cfg refserver.Config) (*refserver.Server, string) {
	t.Helper()
	srv, err := refserver.New(cfg)
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		assert.NoError(t, srv.Shutdown(ctx), "shutdown")
		ts.Close()
	})
	return srv, ts.URL
}

// target is the part of every script config that says where to connect.
type target struct {
	URL        string   `json:"url"`
	Path       string   `json:"path"`
	Transports []string `json:"transports"`
	Namespace  string   `json:"namespace"`
	WaitMs     int      `json:"waitMs"`
	QuietMs    int      `json:"quietMs"`
	DeadlineMs int      `json:"deadlineMs"`
}

func newTarget(url, path, namespace string, transports ...string) target {
	return target{
		URL: url, Path: path, Transports: transports, Namespace: namespace,
		WaitMs: waitMs, QuietMs: quietMs, DeadlineMs: deadlineMs,
	}
}

// bin is the JSON form of binary data in the scripts: {"$bin": base64}.
func bin(b ...byte) string {
	return `{"$bin":"` + base64.StdEncoding.EncodeToString(b) + `"}`
}

// jsonEq asserts that got is the JSON text want; got may be missing.
func jsonEq(t *testing.T, want string, got json.RawMessage, msg string) {
	t.Helper()
	if len(got) == 0 {
		got = json.RawMessage(`"<missing>"`)
	}
	assert.JSONEq(t, want, string(got), msg)
}

func sessionsReach(t *testing.T, srv *refserver.Server, n int, msg string) {
	t.Helper()
	assert.Eventually(t, func() bool { return srv.SessionCount() == n }, 3*time.Second, 10*time.Millisecond,
		"%s: SessionCount stayed %d, want %d", msg, srv.SessionCount(), n)
}

// The echo fixtures: what echo.js sends, and so what must come back.
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
