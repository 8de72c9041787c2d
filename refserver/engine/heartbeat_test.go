package engine

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Short heartbeat timings: the behaviour is the timing, so the tests use
// intervals of tens of milliseconds and generous upper bounds.
const (
	hbInterval = 50 * time.Millisecond
	hbTimeout  = 50 * time.Millisecond
	// hbSlack bounds how late a timer may fire on a loaded machine under
	// -race; the bound catches a missing close, not a slow one.
	hbSlack = 3 * time.Second
)

// splitPayload splits a polling body into its packets.
func splitPayload(body string) []string { return strings.Split(body, "\x1e") }

// EIO-5: the server pings every pingInterval; a client that answers stays.
func TestPingPongKeepsSession(t *testing.T) {
	t.Parallel()
	// A pong has pingTimeout to arrive: room for a busy machine, yet the
	// session must outlive several pingInterval+pingTimeout spans.
	const pingTimeout = 10 * hbInterval
	cfg := Config{PingInterval: hbInterval, PingTimeout: pingTimeout, Transports: bothTransports}
	const wantPings = 22 // twice (pingInterval+pingTimeout) / pingInterval

	t.Run("websocket", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, cfg)
		c := dialWS(t, ts.url("ws", "EIO=4&transport=websocket"), nil, true)
		c.open(t)
		start := time.Now()
		require.Eventually(t, func() bool { return c.Pings.Load() >= wantPings }, waitFor, 5*time.Millisecond)
		// Pings come every pingInterval, not faster.
		assert.GreaterOrEqual(t, time.Since(start), (wantPings-1)*hbInterval)
		assert.Equal(t, 1, ts.SessionCount())
		assert.Empty(t, ts.closed, "the session closed")
		c.send(t, "4still here")
		assert.Equal(t, "4still here", c.nextText(t))
	})

	t.Run("polling", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, cfg)
		p := openPolling(t, ts, nil)
		start := time.Now()
		for pings := 0; pings < wantPings; {
			r := p.get(t)
			require.Equal(t, http.StatusOK, r.code, r.body)
			for _, pkt := range splitPayload(r.body) {
				require.Equal(t, "2", pkt, "only pings are sent")
				pings++
				code, body := p.post(t, "3")
				require.Equal(t, http.StatusOK, code, body)
			}
		}
		assert.GreaterOrEqual(t, time.Since(start), (wantPings-1)*hbInterval)
		assert.Equal(t, 1, ts.SessionCount())
		assert.Empty(t, ts.closed, "the session closed")
	})
}

// EIO-5: a client that keeps sending messages but never answers a ping is
// closed once pingTimeout has passed after the ping.
func TestPingTimeoutDespiteMessages(t *testing.T) {
	t.Parallel()
	cfg := Config{PingInterval: hbInterval, PingTimeout: hbTimeout, Transports: bothTransports}
	deadline := hbInterval + hbTimeout

	// chatter sends a message every 10ms until stop is closed or send fails.
	chatter := func(send func() bool) (stop func()) {
		quit, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			for send() {
				select {
				case <-quit:
					return
				case <-tick.C:
				}
			}
		}()
		return func() { close(quit); <-done }
	}

	for _, tc := range []struct {
		name string
		run  func(t *testing.T, ts *testServer) (opened time.Time, stop func())
	}{
		{"websocket", func(t *testing.T, ts *testServer) (time.Time, func()) {
			c := dialWS(t, ts.url("ws", "EIO=4&transport=websocket"), nil, false)
			c.open(t)
			return time.Now(), chatter(func() bool { return c.write(websocket.TextMessage, "4chatter") == nil })
		}},
		{"polling with GETs", func(t *testing.T, ts *testServer) (time.Time, func()) {
			p := openPolling(t, ts, nil)
			opened := time.Now()
			stopPost := chatter(func() bool { return p.tryOK(http.MethodPost, "4chatter") })
			stopGet := chatter(func() bool { return p.tryOK(http.MethodGet, "") })
			return opened, func() { stopPost(); stopGet() }
		}},
		{"polling without GET", func(t *testing.T, ts *testServer) (time.Time, func()) {
			// The pong timer starts when the ping is queued (EIO-6).
			p := openPolling(t, ts, nil)
			opened := time.Now()
			return opened, chatter(func() bool { return p.tryOK(http.MethodPost, "4chatter") })
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, cfg)
			opened, stop := tc.run(t, ts)
			defer stop()
			ev := ts.closeReason(t)
			elapsed := time.Since(opened)
			assert.ErrorIs(t, ev.reason, ErrPingTimeout)
			assert.GreaterOrEqual(t, elapsed, deadline-10*time.Millisecond, "closed before pingTimeout ran out")
			assert.Less(t, elapsed, deadline+hbSlack, "closed too late")
			ts.drained(t)
		})
	}
}

// EIO-6: the first ping goes out pingInterval after the open, not before,
// and nothing else is sent in between.
func TestFirstPingAfterInterval(t *testing.T) {
	t.Parallel()
	const interval = 200 * time.Millisecond
	cfg := Config{PingInterval: interval, PingTimeout: time.Second, Transports: bothTransports}

	t.Run("websocket", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, cfg)
		c := dialWS(t, ts.url("ws", "EIO=4&transport=websocket"), nil, false)
		c.open(t)
		opened := time.Now()
		assert.Equal(t, "2", c.nextText(t))
		elapsed := time.Since(opened)
		assert.GreaterOrEqual(t, elapsed, interval-20*time.Millisecond)
		assert.Less(t, elapsed, interval+hbSlack)
	})
	t.Run("polling", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, cfg)
		p := openPolling(t, ts, nil)
		opened := time.Now()
		r := p.get(t)
		elapsed := time.Since(opened)
		assert.Equal(t, "2", r.body)
		assert.GreaterOrEqual(t, elapsed, interval-20*time.Millisecond)
		assert.Less(t, elapsed, interval+hbSlack)
	})
}

// EIO-6: a ping from the client is the wrong direction in v4; the refserver
// closes the session, as Node does, and nothing hangs.
func TestClientPingClosesSession(t *testing.T) {
	t.Parallel()
	t.Run("websocket", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, Config{})
		c := dialWS(t, ts.url("ws", "EIO=4&transport=websocket"), nil, false)
		c.open(t)
		c.send(t, "2")
		assert.ErrorIs(t, ts.closeReason(t).reason, ErrClientPing)
		c.ended(t)
		ts.drained(t)
	})
	t.Run("polling", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, Config{Transports: pollingOnly})
		p := openPolling(t, ts, nil)
		get := p.getAsync()
		waitState(t, ts.session(t), getActive)
		code, body := p.post(t, "2")
		assert.Equal(t, http.StatusOK, code, body)
		assert.ErrorIs(t, ts.closeReason(t).reason, ErrClientPing)
		assert.Equal(t, http.StatusOK, await(t, get).code)
		assert.Equal(t, http.StatusBadRequest, p.get(t).code)
	})
}
