package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// Behaviour Node will not show: a tiny misbehaving server per test.

const fakeOpen = `0{"sid":"fake","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1000}`

// wsServer serves a websocket that runs script, then reads until the client
// goes away.
func wsServer(t testing.TB, script func(ws *websocket.Conn)) string {
	t.Helper()
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		script(ws)
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func send(ws *websocket.Conn, msgs ...string) {
	for _, m := range msgs {
		_ = ws.WriteMessage(websocket.TextMessage, []byte(m))
	}
}

// answerConnect waits for the client's CONNECT and accepts it.
func answerConnect(ws *websocket.Conn) {
	_, _, _ = ws.ReadMessage()
	send(ws, `40{"sid":"sio"}`)
}

func TestGarbageClosesConn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script func(ws *websocket.Conn)
		want   error
	}{
		{"unknown Engine.IO type", func(ws *websocket.Conn) { send(ws, fakeOpen, "9xyz") }, engineio.ErrMalformed},
		{"empty frame", func(ws *websocket.Conn) { send(ws, fakeOpen, "") }, engineio.ErrMalformed},
		{"unknown Socket.IO type", func(ws *websocket.Conn) {
			send(ws, fakeOpen)
			answerConnect(ws)
			send(ws, "49xyz")
		}, socketio.ErrMalformed},
		{"event with bad JSON", func(ws *websocket.Conn) {
			send(ws, fakeOpen)
			answerConnect(ws)
			send(ws, `42["e",`)
		}, socketio.ErrMalformed},
		{"text while an attachment is due", func(ws *websocket.Conn) {
			send(ws, fakeOpen)
			answerConnect(ws)
			send(ws, `451-["e",{"_placeholder":true,"num":0}]`, `42["e"]`)
		}, socketio.ErrUnexpectedText},
		{"attachment without a binary packet", func(ws *websocket.Conn) {
			send(ws, fakeOpen)
			answerConnect(ws)
			_ = ws.WriteMessage(websocket.BinaryMessage, []byte{1, 2})
		}, socketio.ErrUnexpectedBinary},
		{"placeholder without attachment", func(ws *websocket.Conn) {
			send(ws, fakeOpen)
			answerConnect(ws)
			send(ws, `451-["e",{"_placeholder":true,"num":3}]`)
			_ = ws.WriteMessage(websocket.BinaryMessage, []byte{1})
		}, nil}, // reported when decoded, not when received: see below
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Dial(testCtx(t), wsServer(t, tt.script), nil)
			require.NoError(t, err)
			defer c.Close()
			s := c.Socket("/")
			events := collect(s, "e")
			_ = s.Connect(testCtx(t), nil)
			if tt.want == nil {
				// The event arrives whole; Decode reports the bad placeholder.
				ev := recv(t, events)
				_, err := ev.Values()
				assert.ErrorIs(t, err, socketio.ErrBadPlaceholder)
				return
			}
			waitDone(t, c.Done(), "closed on garbage")
			assert.ErrorIs(t, c.Err(), tt.want)
			assert.Equal(t, ReasonParseError, s.Reason())
		})
	}
}

// Acks take a shortcut on the read goroutine (readAck) when they are plain
// ACKs someone waits for; whatever form they come in, EmitWithAck gets the
// same arguments, and a malformed one closes the Conn as any bad packet does
// (SIO-4, SIO-6).
func TestAckForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		nsp   string
		reply string // %d: the ack id of the client's emit
		want  []string
		err   error
	}{
		{"plain", "/", `43%d["ok",{"a":[1,2]}]`, []string{`"ok"`, `{"a":[1,2]}`}, nil},
		{"empty", "/", `43%d[]`, []string{}, nil},
		{"spaces", "/", `43%d [ 1 , "x" ]`, []string{`1`, `"x"`}, nil},
		{"namespace", "/nsp", `43/nsp,%d["n"]`, []string{`"n"`}, nil},
		{"three", "/", `43%d[1,2,3]`, []string{`1`, `2`, `3`}, nil},
		{"large", "/", `43%d["` + strings.Repeat("x", 300) + `"]`, []string{`"` + strings.Repeat("x", 300) + `"`}, nil},
		{"binary", "/", `463-%d[{"_placeholder":true,"num":0}]`, nil, nil},
		{"bad JSON", "/", `43%d[1,`, nil, socketio.ErrMalformed},
		{"not an array", "/", `43%d{"a":1}`, nil, socketio.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url := wsServer(t, func(ws *websocket.Conn) {
				send(ws, fakeOpen)
				_, _, _ = ws.ReadMessage() // CONNECT
				if tt.nsp == "/" {
					send(ws, `40{"sid":"sio"}`)
				} else {
					send(ws, `40`+tt.nsp+`,{"sid":"sio"}`)
				}
				_, msg, err := ws.ReadMessage()
				if err != nil {
					return
				}
				p, err := socketio.Decode(msg[1:])
				if err != nil {
					return
				}
				reply := fmt.Sprintf(tt.reply, p.ID)
				if strings.HasPrefix(reply, "46") { // BINARY_ACK: one attachment
					reply = strings.Replace(reply, "3-", "1-", 1)
					send(ws, reply)
					_ = ws.WriteMessage(websocket.BinaryMessage, []byte{7})
					return
				}
				send(ws, reply)
			})
			c, err := Dial(testCtx(t), url, nil)
			require.NoError(t, err)
			defer c.Close()
			s, err := c.Connect(testCtx(t), tt.nsp, nil)
			require.NoError(t, err)
			pl, err := s.EmitWithAck(testCtx(t), "e", 1)
			if tt.err != nil { // the waiter's error, or the disconnect's
				require.Error(t, err)
				waitDone(t, c.Done(), "closed on a bad ack")
				assert.ErrorIs(t, c.Err(), tt.err)
				return
			}
			require.NoError(t, err)
			if tt.want == nil { // binary
				var b []byte
				require.NoError(t, pl.Decode(&b))
				assert.Equal(t, []byte{7}, b)
				return
			}
			got := make([]string, len(pl.Args))
			for i, a := range pl.Args {
				got[i] = string(a)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// A plain ACK comes to its waiter in the pooled read buffer, which goes
// back to the pool: the Payload EmitWithAck returns is the caller's, intact
// however many messages come after.
func TestAckPayloadOutlivesBuffer(t *testing.T) {
	t.Parallel()
	url := wsServer(t, func(ws *websocket.Conn) {
		send(ws, fakeOpen)
		answerConnect(ws)
		for {
			_, msg, err := ws.ReadMessage()
			if err != nil {
				return
			}
			p, err := socketio.Decode(msg[1:])
			if err != nil {
				return
			}
			send(ws, fmt.Sprintf(`43%d["ack %d",{"n":%d}]`, p.ID, p.ID, p.ID), `42["noise","zzzzzzzzzzzz"]`)
		}
	})
	c, err := Dial(testCtx(t), url, nil)
	require.NoError(t, err)
	defer c.Close()
	s, err := c.Connect(testCtx(t), "/", nil)
	require.NoError(t, err)
	var kept []Payload
	for range 20 {
		pl, err := s.EmitWithAck(testCtx(t), "e")
		require.NoError(t, err)
		kept = append(kept, pl)
	}
	for i, pl := range kept {
		require.Len(t, pl.Args, 2)
		assert.Equal(t, fmt.Sprintf(`"ack %d"`, i), string(pl.Args[0]))
		assert.Equal(t, fmt.Sprintf(`{"n":%d}`, i), string(pl.Args[1]))
	}
}

// An ACK nobody waits for is still checked: a malformed one closes the Conn.
func TestUnknownAckChecked(t *testing.T) {
	t.Parallel()
	c, err := Dial(testCtx(t), wsServer(t, func(ws *websocket.Conn) {
		send(ws, fakeOpen)
		answerConnect(ws)
		send(ws, `4399["fine"]`, `4398[1,`)
	}), nil)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Connect(testCtx(t), "/", nil)
	require.NoError(t, err)
	waitDone(t, c.Done(), "closed on a bad ack")
	assert.ErrorIs(t, c.Err(), socketio.ErrMalformed)
}

func TestGarbageInsteadOfOpen(t *testing.T) {
	t.Parallel()
	for _, first := range []string{"9xyz", `0{"sid":""}`, `0not json`, "4hello"} {
		_, err := Dial(testCtx(t), wsServer(t, func(ws *websocket.Conn) { send(ws, first) }), nil)
		assert.ErrorIs(t, err, engineio.ErrMalformed, "first packet %q", first)
	}
}

// pollServer serves the polling handshake and then answers every GET with
// next(), or holds it until the client gives up when next is nil.
func pollServer(t *testing.T, next func() string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost:
			_, _ = io.Copy(io.Discard, r.Body)
			_, _ = io.WriteString(w, "ok")
		case r.URL.Query().Get("sid") == "":
			_, _ = io.WriteString(w, fakeOpen)
		case next == nil:
			<-r.Context().Done()
		default:
			_, _ = io.WriteString(w, next())
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestPollingGarbage(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"bnot*base64", "", "4ok\x1e7bad"} {
		c, err := Dial(testCtx(t), pollServer(t, func() string { return body }), &Options{Transports: PollingOnly})
		require.NoError(t, err)
		waitDone(t, c.Done(), "closed on garbage")
		assert.ErrorIs(t, c.Err(), engineio.ErrMalformed, "payload %q", body)
	}
}

func TestClientPingTimeout(t *testing.T) {
	t.Parallel()
	const open = `0{"sid":"fake","upgrades":[],"pingInterval":100,"pingTimeout":50,"maxPayload":1000}`
	t.Run("websocket", func(t *testing.T) {
		t.Parallel()
		url := wsServer(t, func(ws *websocket.Conn) {
			send(ws, open)
			answerConnect(ws) // and never a ping
		})
		c, err := Dial(testCtx(t), url, nil)
		require.NoError(t, err)
		s, err := c.Connect(testCtx(t), "/", nil)
		require.NoError(t, err)
		waitDone(t, s.Disconnected(), "CLIENT-3: dead without pings")
		assert.ErrorIs(t, c.Err(), ErrPingTimeout)
		assert.Equal(t, ReasonPingTimeout, s.Reason())
	})
	t.Run("polling", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("sid") == "" {
				_, _ = io.WriteString(w, open)
				return
			}
			<-r.Context().Done()
		}))
		t.Cleanup(srv.Close)
		c, err := Dial(testCtx(t), srv.URL, &Options{Transports: PollingOnly})
		require.NoError(t, err)
		waitDone(t, c.Done(), "CLIENT-3: dead without pings")
		assert.ErrorIs(t, c.Err(), ErrPingTimeout)
	})
}

func TestHandshakeRefused(t *testing.T) {
	forModes(t, func(t *testing.T, mode Transports) {
		// A made-up sid on the first request: Node answers 400, code 1 (EIO-3).
		_, err := Dial(testCtx(t), echoServer(t), &Options{Transports: mode, Query: url.Values{"sid": {"bogus"}}})
		var he *HTTPError
		require.ErrorAs(t, err, &he)
		assert.Equal(t, http.StatusBadRequest, he.StatusCode)
		if mode == WebsocketOnly {
			// Node refuses a websocket handshake with the bare message as body.
			assert.Equal(t, "Session ID unknown", string(he.Body))
		} else {
			assert.JSONEq(t, `{"code":1,"message":"Session ID unknown"}`, string(he.Body))
		}
	})
}

func TestLocalAddr(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		peers = map[string]bool{}
	)
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		mu.Lock()
		peers[host] = true
		mu.Unlock()
		if r.URL.Query().Get("transport") == engineio.TransportPolling {
			_, _ = io.WriteString(w, fakeOpen)
			return
		}
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		send(ws, fakeOpen)
		_, _, _ = ws.ReadMessage()
	}))
	t.Cleanup(srv.Close)
	for _, mode := range []Transports{WebsocketOnly, PollingOnly} {
		local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}
		c, err := Dial(testCtx(t), srv.URL, &Options{Transports: mode, LocalAddr: local})
		require.NoError(t, err, mode)
		_ = c.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, map[string]bool{"127.0.0.2": true}, peers)
}

func TestDialErrors(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"ftp://x", "http://[::1", "127.0.0.1:1"} {
		_, err := Dial(testCtx(t), raw, nil)
		assert.Error(t, err, raw)
	}
	// Nothing listens: a dial error, quickly.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	for _, mode := range modes {
		_, err := Dial(testCtx(t), "http://"+addr, &Options{Transports: mode, HandshakeTimeout: time.Second})
		assert.Error(t, err)
		var he *HTTPError
		assert.False(t, errors.As(err, &he))
	}
}

// A websocket write its deadline cuts short leaves a frame half-sent: the
// emit returns the context's error and the Conn closes, with the timeout
// as its cause.
func TestWriteCutShortClosesConn(t *testing.T) {
	t.Parallel()
	stop := make(chan struct{})
	defer close(stop)
	c, err := Dial(testCtx(t), wsServer(t, func(ws *websocket.Conn) {
		// Pings far apart: the fake never sends one, and filling the
		// socket's buffers may take longer than fakeOpen's half second.
		send(ws, `0{"sid":"fake","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000}`)
		answerConnect(ws)
		<-stop // and read no more: the client's writes pile up
	}), nil)
	require.NoError(t, err)
	defer c.Close()
	s, err := c.Connect(testCtx(t), "/", nil)
	require.NoError(t, err)
	big := strings.Repeat("x", 1<<20)
	for i := 0; ; i++ {
		require.Less(t, i, 256, "256 MiB written to a server that reads nothing")
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		err = s.Emit(ctx, "e", big)
		cancel()
		if err != nil {
			break
		}
	}
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	waitDone(t, c.Done(), "closed after a write cut short")
	var te *TransportError
	require.ErrorAs(t, c.Err(), &te)
	ne, ok := errors.AsType[net.Error](te.Err)
	assert.True(t, ok && ne.Timeout(), "the cause is the write's timeout: %v", c.Err())
}
