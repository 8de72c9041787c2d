package engineio_test

import (
	"context"
	"crypto/rand"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/conformance"
	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/conformance/engineio"
	"github.com/stampede-sio/stampede/reports"
)

// A hostile target must make every case end, failed, within its time:
// never a hang, never a panic, never a pass.

// tcpServer accepts connections and hands each to serve; cleanup closes the
// listener and every connection.
func tcpServer(t *testing.T, serve func(net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); serve(c) }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}

// The hostile servers.
var hostile = map[string]func(t *testing.T) string{
	// hang accepts and never answers.
	"hang": func(t *testing.T) string {
		return tcpServer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	},
	// garbage answers every connection with random bytes and closes.
	"garbage": func(t *testing.T) string {
		return tcpServer(t, func(c net.Conn) {
			b := make([]byte, 512)
			rand.Read(b)
			c.Write(b)
			c.Close()
		})
	},
	// reset closes every connection at once, with a RST.
	"reset": func(t *testing.T) string {
		return tcpServer(t, func(c net.Conn) {
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		})
	},
	// http-garbage answers every request 200 with bytes that are no
	// Engine.IO payload, websocket handshakes included.
	"http-garbage": func(t *testing.T) string {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Write([]byte("0{\x1e\x1e7\x00\xffgarbage\x1e4"))
		}))
		t.Cleanup(hs.Close)
		return hs.URL
	},
	// half-open sends a valid OPEN packet, then hangs: polling GETs and
	// websockets get nothing more. (It meets EIO-1/path and EIO-12/no-origin:
	// a handshake without Origin opens a session.)
	"half-open": func(t *testing.T) string {
		stop := make(chan struct{})
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("sid") == "" && r.Method == http.MethodGet {
				w.Write([]byte(`0{"sid":"hostile","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000}`))
				return
			}
			select { // hold until the client gives up, or the test ends
			case <-r.Context().Done():
			case <-stop:
			}
		}))
		t.Cleanup(func() { close(stop); hs.Close() })
		return hs.URL
	},
}

// runDirect runs every case against base without discovery (which a
// hostile target fails), with a target that claims every feature, and
// checks that each case ends on its own, failed or skipped, within the
// runner's timeout.
func runDirect(t *testing.T, base string, mayPass []string) {
	u, err := url.Parse(base)
	require.NoError(t, err)
	tg := check.Target{URL: u, Path: sioPath, EchoNamespace: "/echo", EnginePath: "/engine.io/", Profile: "documented",
		Polling: true, Websocket: true, Upgrade: true, EnginePoll: true, EngineWS: true,
		PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond, MaxPayload: 1000}
	timeout := max(15*time.Second, 3*tg.PingWindow()) // the runner's default
	var wg sync.WaitGroup
	for _, c := range engineio.Cases() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			ct := check.NewT(ctx, &tg)
			done := make(chan struct{})
			var panicked any
			go func() {
				defer close(done)
				defer func() { panicked = recover() }()
				c.Run(ctx, ct)
			}()
			start := time.Now()
			timedOut := false
			select {
			case <-done:
			case <-ctx.Done():
				timedOut = true
			}
			status, reason, expected, actual, _ := ct.Finish(timedOut)
			<-done // the cleanups above unblock whatever was still waiting
			assert.False(t, timedOut, "%s did not end within its %v", c.ID, timeout)
			assert.Nil(t, panicked, "%s panicked", c.ID)
			switch status {
			case check.Pass:
				if !slices.Contains(mayPass, c.ID) {
					t.Errorf("%s passed against a hostile target", c.ID)
				}
			case check.Fail:
				assert.NotEmpty(t, expected, c.ID)
				assert.NotEmpty(t, actual, c.ID)
			case check.Skip:
				assert.NotEmpty(t, reason, c.ID)
			}
			t.Logf("%-32s %s %.1fs %s%s", c.ID, status, time.Since(start).Seconds(), reason, actual)
		}()
	}
	wg.Wait()
}

// mayPass lists what a hostile server does meet, by server.
var mayPass = map[string][]string{"half-open": {"EIO-1/path", "EIO-12/no-origin"}}

func TestHostileTargets(t *testing.T) {
	t.Parallel()
	for name, start := range hostile {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runDirect(t, start(t), mayPass[name])
		})
	}
}

// killable is a listener whose connections can all be cut at once,
// websockets included (httptest forgets hijacked connections).
type killable struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
	dead  bool
}

func (k *killable) Accept() (net.Conn, error) {
	c, err := k.Listener.Accept()
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.dead {
		c.Close()
	} else {
		k.conns = append(k.conns, c)
	}
	return c, nil
}

func (k *killable) kill() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.dead = true
	k.Listener.Close()
	for _, c := range k.conns {
		c.Close()
	}
}

// TestTargetDiesMidRun: the refserver goes away, websockets and all, once a
// few cases have finished and while the others run; every case still ends
// within its time.
func TestTargetDiesMidRun(t *testing.T) {
	t.Parallel()
	srv := startRefUnstarted(t)
	ln := &killable{Listener: srv.Listener}
	srv.Listener = ln
	srv.Start()
	var once sync.Once
	done := 0
	opts := conformance.Options{Layers: []check.Layer{check.LayerEngineIO}, OnResult: func(reports.CheckCase) {
		if done++; done == 8 { // OnResult calls are serialised by the runner
			once.Do(ln.kill)
		}
	}}
	start := time.Now()
	rec, err := conformance.Run(context.Background(), target(t, srv.URL, sioPath), opts)
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 20*time.Second, "the run ended")
	for _, c := range rec.Cases {
		assert.NotContains(t, c.Actual, "still waiting when its time ran out", describeCase(c))
		assert.NotContains(t, c.Actual, "panicked", describeCase(c))
		assert.Contains(t, []string{reports.StatusPass, reports.StatusFail, reports.StatusSkip, reports.StatusWarn}, c.Status)
	}
	assert.NotZero(t, rec.Summary.Failed, "cases cut short by the target's death fail")
	t.Logf("target died after 8 results: %d passed, %d failed, %d skipped in %.1fs",
		rec.Summary.Passed, rec.Summary.Failed, rec.Summary.Skipped, rec.Duration)
}
