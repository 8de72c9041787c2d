package app_test

import (
	"context"
	"fmt"
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

	"github.com/stampede-sio/stampede/conformance/app"
	"github.com/stampede-sio/stampede/conformance/check"
)

// hostile is a fake target that misbehaves in one way on every endpoint.
type hostile struct {
	mode string // garbage, hang, close
	stop chan struct{}
	wg   sync.WaitGroup
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// open is an Engine.IO OPEN whose timings keep the client from giving up
// on its own, so that the case's own waits are what ends it.
const open = `0{"sid":"fake","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`

func (h *hostile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !websocket.IsWebSocketUpgrade(r) {
		switch h.mode {
		case "garbage":
			w.Write([]byte("\x00\xff{{not json at all"))
		case "hang":
			select {
			case <-r.Context().Done():
			case <-h.stop:
			}
		default:
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{}`))
		}
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	h.wg.Add(1)
	defer h.wg.Done()
	defer ws.Close()
	go func() {
		<-h.stop
		ws.Close()
	}()
	switch h.mode {
	case "garbage":
		for _, frame := range []string{"0{bad", "4\x00\x01", "42[", `40{"sid":`, "6", "99999", `42["events",{"chat_id":` + "\xff"} {
			if ws.WriteMessage(websocket.TextMessage, []byte(frame)) != nil {
				return
			}
		}
		ws.WriteMessage(websocket.BinaryMessage, []byte{0xff, 0, 1})
		h.discard(ws)
	case "hang":
		ws.WriteMessage(websocket.TextMessage, []byte(open))
		h.discard(ws)
	default: // close: answer the CONNECT and acks, then drop the connection
		ws.WriteMessage(websocket.TextMessage, []byte(open))
		deadline := time.Now().Add(300 * time.Millisecond)
		ws.SetReadDeadline(deadline)
		for {
			_, b, err := ws.ReadMessage()
			if err != nil {
				return
			}
			s := string(b)
			switch {
			case strings.HasPrefix(s, "40"):
				ws.WriteMessage(websocket.TextMessage, []byte(`40{"sid":"s`+fmt.Sprint(time.Now().UnixNano())+`"}`))
			case strings.HasPrefix(s, "42"):
				if id, _, ok := strings.Cut(s[2:], "["); ok && id != "" {
					ws.WriteMessage(websocket.TextMessage, []byte("43"+id+`[{"id":"x"}]`))
				}
			}
		}
	}
}

func (h *hostile) discard(ws *websocket.Conn) {
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			return
		}
	}
}

// outcome is how one case ended against a hostile target.
type outcome struct {
	id, status, actual string
	took               time.Duration
	hung               bool
	panicked           any
}

// runAll runs every case against the target the way the runner does, but
// without discovery (which such targets fail), and reports each case's
// goroutine: whether it ended within its timeout, and whether it panicked.
func runAll(tgt check.Target) []outcome {
	cases := app.Cases()
	out := make([]outcome, len(cases))
	var wg sync.WaitGroup
	for i, c := range cases {
		timeout := c.Timeout
		if timeout == 0 {
			timeout = max(15*time.Second, 3*tgt.PingWindow())
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			ct := check.NewT(ctx, &tgt)
			start := time.Now()
			done := make(chan any, 1)
			go func() {
				var p any
				defer func() { done <- p }()
				defer func() { p = recover() }()
				c.Run(ctx, ct)
			}()
			o := outcome{id: c.ID}
			select {
			case o.panicked = <-done:
			case <-time.After(timeout + 2*time.Second):
				o.hung = true
				o.panicked = <-done
			}
			o.took = time.Since(start)
			status, reason, _, actual, _ := ct.Finish(false)
			o.status, o.actual = status.String(), actual+reason
			out[i] = o
		}()
	}
	wg.Wait()
	return out
}

// Against a target that sends garbage, hangs after the handshake or drops
// the connection mid-case, every case ends within its timeout, without
// panicking, and none passes on the strength of silence.
func TestHostileTargets(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"garbage", "hang", "close"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			h := &hostile{mode: mode, stop: make(chan struct{})}
			hs := httptest.NewServer(h)
			t.Cleanup(func() {
				close(h.stop)
				hs.CloseClientConnections()
				hs.Close()
				h.wg.Wait()
			})
			u, err := url.Parse(hs.URL)
			require.NoError(t, err)
			tgt := check.Target{URL: u, Path: "/ws/socket.io/", EchoNamespace: "/echo", EnginePath: "/engine.io/",
				Profile: "documented", Secret: secret, SessionTimeout: time.Second, Websocket: true, Control: true,
				PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond}
			start := time.Now()
			for _, o := range runAll(tgt) {
				assert.False(t, o.hung, "%s did not end within its timeout", o.id)
				assert.Nil(t, o.panicked, "%s panicked", o.id)
				assert.NotContains(t, o.actual, "panicked", o.id)
				assert.NotEqual(t, "pass", o.status, "%s passed against a target that does nothing right", o.id)
				if testing.Verbose() {
					t.Logf("%-26s %-4s %5.1fs %.120s", o.id, o.status, o.took.Seconds(), o.actual)
				}
			}
			t.Logf("%s: every case ended in %v", mode, time.Since(start).Round(time.Millisecond))
		})
	}
}
