package refserver

// The echo contract (PROTOCOL.md section 10) at the Go level, with a raw
// client; the npm interop suite covers the same rows end to end.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/internal/test/wstest"
)

// echoWait bounds every wait: a hang fails the test instead of timing out.
const echoWait = 5 * time.Second

// ph0, ph1 are the placeholders of the first two attachments (SIO-5).
const ph0, ph1 = `{"_placeholder":true,"num":0}`, `{"_placeholder":true,"num":1}`

// echoServer serves New(cfg) on httptest, with its HTTP limits, until the
// test ends.
func echoServer(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	srv, err := New(cfg)
	require.NoError(t, err)
	hs := httptest.NewUnstartedServer(srv)
	srv.ConfigureHTTP(hs.Config) // LIM-5, LIM-7 as Serve applies them
	hs.Listener = srv.WrapListener(hs.Listener)
	hs.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		srv.Shutdown(ctx) // sessions a test left open are dropped
		hs.Close()
	})
	return srv, hs
}

// wsFrame is one websocket message from the server.
type wsFrame = wstest.Frame

// echoWS is a raw Engine.IO/Socket.IO websocket client (internal/test/wstest):
// one read loop that answers pings (when pongs is set) and forwards
// everything else.
type echoWS struct {
	*wstest.Client
	open   engineio.OpenInfo
	opened time.Time
}

// dialEcho opens a websocket at base+path and reads the OPEN packet.
func dialEcho(t *testing.T, base, path string, pongs bool) *echoWS {
	t.Helper()
	url := "ws" + strings.TrimPrefix(base, "http") + path + "?EIO=4&transport=websocket"
	c := &echoWS{Client: wstest.Dial(t, url, nil, pongs, echoWait)}
	c.open = wstest.ParseOpen(t, c.text(t))
	c.opened = time.Now()
	return c
}

func (c *echoWS) write(mt int, data string) error { return c.Write(mt, data) }
func (c *echoWS) next(t *testing.T) wsFrame       { return c.Next(t) }
func (c *echoWS) ended(t *testing.T) error        { return c.Ended(t) }

// send writes an Engine.IO text packet.
func (c *echoWS) send(t *testing.T, text string) {
	t.Helper()
	require.NoError(t, c.write(websocket.TextMessage, text))
}

func (c *echoWS) sendBinary(t *testing.T, b string) {
	t.Helper()
	require.NoError(t, c.write(websocket.BinaryMessage, b))
}

// text returns the next message, which must be text.
func (c *echoWS) text(t *testing.T) string {
	t.Helper()
	m := c.next(t)
	require.False(t, m.Binary, "got binary %q, want text", m.Data)
	return m.Data
}

// connect sends CONNECT to nsp and returns the reply's sid.
func (c *echoWS) connect(t *testing.T, nsp, auth string) string {
	t.Helper()
	head := "40"
	if nsp != "/" {
		head += nsp + ","
	}
	c.send(t, head+auth)
	reply := c.text(t)
	require.True(t, strings.HasPrefix(reply, head), "CONNECT reply %q", reply)
	var body struct {
		SID string `json:"sid"`
	}
	require.NoError(t, json.Unmarshal([]byte(reply[len(head):]), &body), "CONNECT reply %q", reply)
	require.NotEmpty(t, body.SID)
	return body.SID
}

var barrierID atomic.Int64

// barrier round-trips message-with-ack on nsp and returns every frame that
// arrived before its ack: exactly what the server had queued for this client.
func (c *echoWS) barrier(t *testing.T, nsp string) []string {
	t.Helper()
	id := 5000 + barrierID.Add(1)
	c.send(t, fmt.Sprintf(`42%s,%d["message-with-ack","barrier"]`, nsp, id))
	want := fmt.Sprintf(`43%s,%d["barrier"]`, nsp, id)
	var got []string
	for {
		m := c.next(t)
		if !m.Binary && m.Data == want {
			return got
		}
		got = append(got, m.Data)
	}
}

func parseOpenPacket(t *testing.T, s string) engineio.OpenInfo { return wstest.ParseOpen(t, s) }

// httpDo sends one request and returns status and body.
func httpDo(t *testing.T, hs *httptest.Server, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := hs.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// ECHO-1, EIO-11: the raw Engine.IO echo at /engine.io/ sends every message
// back unchanged, binary kept binary (base64 on polling), and sends nothing
// before the first ping.
func TestEchoRawEngine(t *testing.T) {
	t.Parallel()
	const interval = 200 * time.Millisecond
	cfg := Config{Lab: true, PingInterval: interval, PingTimeout: time.Second}

	t.Run("websocket", func(t *testing.T) {
		t.Parallel()
		_, hs := echoServer(t, cfg)
		c := dialEcho(t, hs.URL, EnginePath+"/", false)
		assert.Equal(t, wsFrame{Data: "2"}, c.next(t), "the first packet after OPEN is a ping")
		assert.GreaterOrEqual(t, time.Since(c.opened), interval-20*time.Millisecond)
		c.send(t, "3")
		c.send(t, `4hello ☃`)
		assert.Equal(t, wsFrame{Data: `4hello ☃`}, c.next(t))
		c.sendBinary(t, "\x00\xff\x01")
		assert.Equal(t, wsFrame{Binary: true, Data: "\x00\xff\x01"}, c.next(t))
		c.send(t, `42["not","socket.io","here"]`)
		assert.Equal(t, wsFrame{Data: `42["not","socket.io","here"]`}, c.next(t))
	})
	t.Run("polling", func(t *testing.T) {
		t.Parallel()
		_, hs := echoServer(t, cfg)
		base := hs.URL + EnginePath + "/?EIO=4&transport=polling"
		code, body := httpDo(t, hs, http.MethodGet, base, "")
		require.Equal(t, http.StatusOK, code, body)
		open := parseOpenPacket(t, body)
		opened := time.Now()
		assert.Equal(t, []string{"websocket"}, open.Upgrades)
		url := base + "&sid=" + open.SID

		_, body = httpDo(t, hs, http.MethodGet, url, "")
		assert.Equal(t, "2", body, "the first packet after OPEN is a ping")
		assert.GreaterOrEqual(t, time.Since(opened), interval-20*time.Millisecond)
		code, body = httpDo(t, hs, http.MethodPost, url, "3\x1e4hello\x1ebAP8B")
		require.Equal(t, http.StatusOK, code, body)
		_, body = httpDo(t, hs, http.MethodGet, url, "")
		assert.Equal(t, "4hello\x1ebAP8B", body)
	})
}

// ECHO-2, SIO-2: every CONNECT to an echo namespace gets {"sid":…}, then an
// event `auth` carrying the CONNECT payload or {}.
func TestEchoConnectAuth(t *testing.T) {
	t.Parallel()
	_, normal := echoServer(t, Config{})
	_, lab := echoServer(t, Config{Lab: true})
	for _, tc := range []struct {
		name, base, path, nsp, auth, wantAuth string
	}{
		{"echo with auth", normal.URL, "/ws/socket.io/", "/echo", `{"token":"t-1","n":[1,2]}`, `42/echo,["auth",{"token":"t-1","n":[1,2]}]`},
		{"echo without auth", normal.URL, "/ws/socket.io/", "/echo", ``, `42/echo,["auth",{}]`},
		{"lab main namespace", lab.URL, "/socket.io/", "/", `{"x":1}`, `42["auth",{"x":1}]`},
		{"lab custom namespace", lab.URL, "/socket.io/", "/custom", ``, `42/custom,["auth",{}]`},
		{"lab echo namespace", lab.URL, "/socket.io/", "/echo", ``, `42/echo,["auth",{}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialEcho(t, tc.base, tc.path, false)
			sid := c.connect(t, tc.nsp, tc.auth)
			assert.NotEqual(t, c.open.SID, sid)
			assert.Equal(t, tc.wantAuth, c.text(t))
		})
	}
}

// ECHO-3: `message` comes back as `message-back` with the same arguments,
// binary kept binary in the same placeholder order.
func TestEchoMessageBack(t *testing.T) {
	t.Parallel()
	_, hs := echoServer(t, Config{})
	c := dialEcho(t, hs.URL, "/ws/socket.io/", false)
	c.connect(t, "/echo", "")
	require.Equal(t, `42/echo,["auth",{}]`, c.text(t))

	args := `{"three":[3,{"four":null}]},1,"two",true,[1.5,"x"],"ünïcødé ☃ \"q\"\n"`
	c.send(t, `42/echo,["message",`+args+`]`)
	assert.Equal(t, `42/echo,["message-back",`+args+`]`, c.text(t))

	c.send(t, `452-/echo,["message",`+ph1+`,"mid",{"b":`+ph0+`}]`)
	c.sendBinary(t, "first")
	c.sendBinary(t, "second")
	assert.Equal(t, `452-/echo,["message-back",`+ph1+`,"mid",{"b":`+ph0+`}]`, c.text(t))
	assert.Equal(t, wsFrame{Binary: true, Data: "first"}, c.next(t))
	assert.Equal(t, wsFrame{Binary: true, Data: "second"}, c.next(t))
}

// ECHO-4: `message-with-ack` is acked with the same arguments; a BINARY_ACK
// when they hold binary.
func TestEchoAck(t *testing.T) {
	t.Parallel()
	_, hs := echoServer(t, Config{})
	c := dialEcho(t, hs.URL, "/ws/socket.io/", false)
	c.connect(t, "/echo", "")
	require.Equal(t, `42/echo,["auth",{}]`, c.text(t))

	c.send(t, `42/echo,17["message-with-ack",1,{"a":[]},"z"]`)
	assert.Equal(t, `43/echo,17[1,{"a":[]},"z"]`, c.text(t))
	c.send(t, `42/echo,18["message-with-ack"]`)
	assert.Equal(t, `43/echo,18[]`, c.text(t))

	c.send(t, `451-/echo,19["message-with-ack","x",`+ph0+`]`)
	c.sendBinary(t, "\x01\x02")
	assert.Equal(t, `461-/echo,19["x",`+ph0+`]`, c.text(t))
	assert.Equal(t, wsFrame{Binary: true, Data: "\x01\x02"}, c.next(t))
}

// ECHO-5, SIO-3: any namespace not served gets exactly
// 44/<nsp>,{"message":"Invalid namespace"} and the session stays.
func TestEchoInvalidNamespace(t *testing.T) {
	t.Parallel()
	_, normal := echoServer(t, Config{})
	_, lab := echoServer(t, Config{Lab: true})
	for _, tc := range []struct{ name, base, path, connect, want string }{
		{"unknown", normal.URL, "/ws/socket.io/", "40/nope,", `44/nope,{"message":"Invalid namespace"}`},
		{"custom outside lab", normal.URL, "/ws/socket.io/", "40/custom,", `44/custom,{"message":"Invalid namespace"}`},
		{"unknown in lab", lab.URL, "/socket.io/", `40/nope,{"token":"x"}`, `44/nope,{"message":"Invalid namespace"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialEcho(t, tc.base, tc.path, false)
			c.send(t, tc.connect)
			assert.Equal(t, tc.want, c.text(t))
			c.connect(t, "/echo", "")
			assert.Equal(t, `42/echo,["auth",{}]`, c.text(t))
		})
	}
}

// ECHO-6, SIO-7: disconnecting the last namespace keeps the Engine.IO
// connection; pings go on and a new CONNECT works.
func TestEchoDisconnectKeepsEngine(t *testing.T) {
	t.Parallel()
	srv, hs := echoServer(t, Config{PingInterval: 50 * time.Millisecond, PingTimeout: 500 * time.Millisecond})
	c := dialEcho(t, hs.URL, "/ws/socket.io/", true)
	c.connect(t, "/echo", "")
	require.Equal(t, `42/echo,["auth",{}]`, c.text(t))

	c.send(t, "41/echo,")
	require.Eventually(t, func() bool { return srv.SocketIO().Stats().Sockets.Load() == 0 }, echoWait, time.Millisecond)
	pings := c.Pings.Load()
	require.Eventually(t, func() bool { return c.Pings.Load() >= pings+3 }, echoWait, 5*time.Millisecond)
	assert.Equal(t, 1, srv.SessionCount())
	c.connect(t, "/echo", "")
	assert.Equal(t, `42/echo,["auth",{}]`, c.text(t))
}

// ECHO-7: `join` (acked "joined") and `shout`: every member of the room, the
// sender included when it is one, receives `shouted` with the payload.
func TestEchoRooms(t *testing.T) {
	t.Parallel()
	_, hs := echoServer(t, Config{})
	names := []string{"a", "b", "c"}
	cs := map[string]*echoWS{}
	for _, n := range names {
		c := dialEcho(t, hs.URL, "/ws/socket.io/", false)
		c.connect(t, "/echo", "")
		require.Equal(t, `42/echo,["auth",{}]`, c.text(t))
		cs[n] = c
	}
	for i, n := range []string{"a", "b"} {
		cs[n].send(t, fmt.Sprintf(`42/echo,%d["join","room"]`, i))
		require.Equal(t, fmt.Sprintf(`43/echo,%d["joined"]`, i), cs[n].text(t))
	}
	received := func(shouter string) map[string][]string {
		got := map[string][]string{shouter: cs[shouter].barrier(t, "/echo")} // the shout is out
		for _, n := range names {
			if n != shouter {
				got[n] = cs[n].barrier(t, "/echo")
			}
		}
		return got
	}
	shouted := []string{`42/echo,["shouted",{"p":1}]`}

	cs["c"].send(t, `42/echo,["shout","room",{"p":1}]`)
	assert.Equal(t, map[string][]string{"a": shouted, "b": shouted, "c": nil}, received("c"), "a non-member shouts")
	cs["a"].send(t, `42/echo,["shout","room",{"p":1}]`)
	assert.Equal(t, map[string][]string{"a": shouted, "b": shouted, "c": nil}, received("a"), "a member shouts")

	cs["b"].send(t, `451-/echo,["shout","room",`+ph0+`]`)
	cs["b"].sendBinary(t, "\x09")
	binShout := []string{`451-/echo,["shouted",` + ph0 + `]`, "\x09"}
	assert.Equal(t, map[string][]string{"a": binShout, "b": binShout, "c": nil}, received("b"), "binary payload")
}

// EIO-1: the Socket.IO endpoint is at Config.Path, with or without the
// trailing slash; the raw echo is at /engine.io/ in every mode.
func TestEndpointPaths(t *testing.T) {
	t.Parallel()
	_, normal := echoServer(t, Config{Transports: []string{"polling"}})
	_, lab := echoServer(t, Config{Lab: true})
	_, custom := echoServer(t, Config{Path: "/rt/io/", Transports: []string{"polling"}})
	const q = "?EIO=4&transport=polling"
	for _, tc := range []struct {
		name string
		hs   *httptest.Server
		path string
		want int
	}{
		{"default path", normal, "/ws/socket.io/", http.StatusOK},
		{"default path without slash", normal, "/ws/socket.io", http.StatusOK},
		{"raw echo", normal, "/engine.io/", http.StatusOK},
		{"lab path", lab, "/socket.io/", http.StatusOK},
		{"lab raw echo", lab, "/engine.io/", http.StatusOK},
		{"custom path", custom, "/rt/io/", http.StatusOK},
		{"lab path outside lab", normal, "/socket.io/", http.StatusNotFound},
		{"default path in lab", lab, "/ws/socket.io/", http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := httpDo(t, tc.hs, http.MethodGet, tc.hs.URL+tc.path+q, "")
			assert.Equal(t, tc.want, code, body)
			if tc.want == http.StatusOK {
				parseOpenPacket(t, body)
			}
		})
	}
	code, body := httpDo(t, normal, http.MethodGet, normal.URL+"/healthz", "")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, `{"status":"ok"}`, body)
}

// closeCode is the close code in err, or -1 when there is none.
func closeCode(err error) int { return wstest.CloseCode(err) }
