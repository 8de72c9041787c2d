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
	assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4;"), resp.Header.Get("Content-Type"))
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

// The families dashboards rely on keep their names and types: the ones the
// hand-written exposition had before client_golang took over, the standard
// process_* and go_* ones included.
func TestMetricsFamiliesKeepTheirNames(t *testing.T) {
	t.Parallel()
	srv, err := refserver.New(refserver.Config{Lab: true})
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	body := scrape(t, ts.URL)
	for _, family := range []string{
		"go_gc_duration_seconds summary", "go_goroutines gauge", "go_info gauge",
		"go_memstats_alloc_bytes gauge", "go_memstats_heap_inuse_bytes gauge",
		"go_memstats_heap_objects gauge", "go_memstats_sys_bytes gauge", "go_threads gauge",
		"process_cpu_seconds_total counter", "process_max_fds gauge", "process_open_fds gauge",
		"process_resident_memory_bytes gauge", "process_start_time_seconds gauge",
		"process_virtual_memory_bytes gauge",
		"stampede_broadcast_deliveries_total counter", "stampede_broadcasts_total counter",
		"stampede_bytes_total counter", "stampede_connections gauge",
		"stampede_handshake_failures_total counter", "stampede_handshakes_total counter",
		"stampede_limit_closes_total counter", "stampede_packets_total counter",
		"stampede_protocol_errors_total counter", "stampede_sessions gauge", "stampede_sockets gauge",
		"stampede_websocket_writes_total counter",
	} {
		assert.Contains(t, body, "\n# TYPE "+family+"\n")
	}
	for _, reason := range []string{"unknown_transport", "unknown_sid", "bad_method", "bad_request",
		"forbidden_origin", "unsupported_protocol", "upgrade_failed", "shutting_down"} {
		assert.Contains(t, body, `stampede_handshake_failures_total{reason="`+reason+`"} 0`)
	}
}

// A scraper that asks for OpenMetrics gets it (client_golang negotiates the format).
func TestMetricsOpenMetrics(t *testing.T) {
	t.Parallel()
	srv, err := refserver.New(refserver.Config{Lab: true})
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	req, err := http.NewRequest(http.MethodGet, ts.URL+"/metrics", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "application/openmetrics-text"), resp.Header.Get("Content-Type"))
	assert.Contains(t, string(b), `stampede_limit_closes_total{limit="LIM-1"} 0`)
	assert.True(t, strings.HasSuffix(string(b), "# EOF\n"), "an OpenMetrics body ends with # EOF")
}
