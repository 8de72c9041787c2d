package refserver_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/limit"
)

func scrape(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/plain; version=0.0.4; charset=utf-8", resp.Header.Get("Content-Type"))
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func get(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// GET /metrics: process and Go collectors, sessions by transport, handshake
// failures by reason, packets in/out (issue 2).
func TestMetricsReflectTraffic(t *testing.T) {
	t.Parallel()
	srv, err := refserver.New(refserver.Config{Transports: []string{"polling", "websocket"}})
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	before := scrape(t, ts.URL)
	for _, family := range []string{
		"process_cpu_seconds_total", "process_resident_memory_bytes", "go_goroutines",
		"stampede_connections", "stampede_sockets", "stampede_handshakes_total",
	} {
		assert.Contains(t, before, "\n"+family+" ", "family %s", family)
	}
	assert.Contains(t, before, `stampede_sessions{transport="polling"} 0`)

	get(t, ts.URL+"/ws/socket.io/?EIO=3&transport=polling") // EIO-2
	get(t, ts.URL+"/ws/socket.io/?EIO=4&transport=carrier") // EIO-3
	get(t, ts.URL+"/ws/socket.io/?EIO=4&transport=polling") // a polling session

	after := scrape(t, ts.URL)
	assert.Contains(t, after, `stampede_handshake_failures_total{reason="unsupported_protocol"} 1`)
	assert.Contains(t, after, `stampede_handshake_failures_total{reason="unknown_transport"} 1`)
	assert.Contains(t, after, `stampede_sessions{transport="polling"} 1`)
	assert.Contains(t, after, "\nstampede_handshakes_total 1\n")
	assert.True(t, strings.Contains(after, `stampede_packets_total{direction="out"}`))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	srv.Shutdown(ctx) // the idle polling session is dropped when ctx ends
}

// Every limit of section 12 is exported, at 0 until it is hit.
func TestMetricsLimitCounters(t *testing.T) {
	t.Parallel()
	srv, err := refserver.New(refserver.Config{Lab: true})
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	body := scrape(t, ts.URL)
	for _, id := range []string{"LIM-1", "LIM-2", "LIM-3", "LIM-4", "LIM-5", "LIM-6", "LIM-7"} {
		assert.Contains(t, body, `stampede_limit_closes_total{limit="`+id+`"} 0`)
	}
	srv.Limits().Hit(limit.Queue, "test")
	assert.Contains(t, scrape(t, ts.URL), `stampede_limit_closes_total{limit="LIM-6"} 1`)
}
