package engine

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Shutdown closes websocket sessions with 1001 and answers a pending GET
// with `1`, refuses new handshakes, and returns nil once all have ended.
func TestShutdownClosesSessions(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Transports: bothTransports})
	ws := openWS(t, ts)
	ts.session(t)
	p := openPolling(t, ts, nil)
	get := p.getAsync()
	waitState(t, ts.session(t), getActive)

	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	require.NoError(t, ts.Shutdown(ctx))

	assert.Equal(t, websocket.CloseGoingAway, closeCode(ws.ended(t)))
	assert.Equal(t, "1", await(t, get).body)
	for range 2 {
		assert.ErrorIs(t, ts.closeReason(t).reason, ErrServerShutdown)
	}
	assert.Zero(t, ts.SessionCount())

	code, _, _ := ts.do(t, http.MethodGet, ts.url("http", "EIO=4&transport=polling"), "", nil)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	_, resp, err := websocket.DefaultDialer.Dial(ts.url("ws", "EIO=4&transport=websocket"), nil)
	require.ErrorIs(t, err, websocket.ErrBadHandshake)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, uint64(2), ts.Stats().Failures[FailShuttingDown].Load())
	assert.Zero(t, ts.SessionCount())
}

// A client that ignores the close frame keeps Shutdown waiting until ctx
// ends; then its session is dropped and Shutdown returns ctx.Err().
func TestShutdownClientIgnoresClose(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{})
	conn, resp, err := websocket.DefaultDialer.Dial(ts.url("ws", "EIO=4&transport=websocket"), nil)
	require.NoError(t, err)
	resp.Body.Close()
	defer conn.Close()
	_, open, err := conn.ReadMessage() // the session is registered once OPEN is out
	require.NoError(t, err)
	parseOpen(t, string(open))
	// From here on the client never reads: the close frame goes unanswered.

	const grace = 100 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	start := time.Now()
	err = ts.Shutdown(ctx)
	elapsed := time.Since(start)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.GreaterOrEqual(t, elapsed, grace)
	assert.Less(t, elapsed, grace+hbSlack)
	assert.ErrorIs(t, ts.closeReason(t).reason, ErrServerShutdown)
	assert.Zero(t, ts.SessionCount())
}

// Shutdown during an upgrade probe also closes the probe's websocket, so its
// goroutine does not outlive the server by the upgrade timeout.
func TestShutdownDuringProbe(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Transports: bothTransports})
	p := openPolling(t, ts, nil)
	probe := dialWS(t, p.upgradeURL(), nil, false)
	probe.send(t, "2probe")
	require.Equal(t, "3probe", probe.nextText(t))

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	ts.Shutdown(ctx)
	start := time.Now()
	probe.ended(t)
	assert.Less(t, time.Since(start), hbSlack, "the probe websocket outlived the session")
}
