package simulator

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func scrapeLive(t *testing.T, m *LiveMetrics) string {
	t.Helper()
	rr := httptest.NewRecorder()
	m.Handler().ServeHTTP(rr, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rr.Code)
	b, err := io.ReadAll(rr.Body)
	require.NoError(t, err)
	return string(b)
}

// Before the first second only the simulator's own families are served;
// after it, the stampede_run_* series of the latest progress (issue 14).
func TestLiveMetricsServeLatestProgress(t *testing.T) {
	t.Parallel()
	m := NewLiveMetrics()
	assert.NotContains(t, scrapeLive(t, m), "stampede_run_")
	assert.Contains(t, scrapeLive(t, m), "\ngo_goroutines ")

	m.Observe(Progress{Elapsed: time.Second, Clients: 3, ConnectsTotal: 3, MessagesOutTotal: 10, MessagesInTotal: 9,
		ErrorsByKind: map[string]int64{"dial": 2, "ack_timeout": 1}, Errors: 3,
		Latency: []IntervalLatency{
			{Metric: threshold.MetricLag, Count: 4, P50: time.Millisecond, P90: 2 * time.Millisecond, P99: 3 * time.Millisecond, Max: 4 * time.Millisecond},
			{Metric: threshold.MetricAck, Tags: map[string]string{"event": "chat", "b": "x"}, Count: 7, P99: 5 * time.Millisecond},
		}})
	m.Observe(Progress{Elapsed: 2 * time.Second, Clients: 4, ConnectsTotal: 4, MessagesOutTotal: 20, MessagesInTotal: 19,
		ErrorsByKind: map[string]int64{"dial": 2, "ack_timeout": 1}, Errors: 3,
		Latency: []IntervalLatency{{Metric: threshold.MetricAck, Tags: map[string]string{"event": "chat", "b": "x"}, Count: 7, P99: 5 * time.Millisecond}}})
	body := scrapeLive(t, m)
	for _, line := range []string{
		"stampede_run_clients 4", "stampede_run_connects_total 4", "stampede_run_messages_sent_total 20",
		"stampede_run_messages_received_total 19", `stampede_run_errors_total{kind="dial"} 2`,
		`stampede_run_errors_total{kind="ack_timeout"} 1`, "stampede_run_elapsed_seconds 2",
		`stampede_run_latency_seconds{metric="ack",quantile="0.99",tags="b=x,event=chat"} 0.005`,
		`stampede_run_latency_samples{metric="ack",tags="b=x,event=chat"} 7`,
		`stampede_run_generator_lag_seconds{quantile="0.99"} 0`, // no lag sample in the latest second
	} {
		assert.Contains(t, body, "\n"+line+"\n")
	}
}

// Worker processes' progress adds up: totals and errors by kind add, the
// interval quantiles of one timer are the largest of the parts.
func TestSumProgressTotalsAndLatency(t *testing.T) {
	t.Parallel()
	ack := func(n int64, p99 time.Duration) []IntervalLatency {
		return []IntervalLatency{{Metric: threshold.MetricAck, Tags: map[string]string{"event": "e"}, Count: n, P99: p99, Max: p99}}
	}
	s := sumProgress([]Progress{
		{ConnectsTotal: 2, MessagesOutTotal: 5, StartsDropped: 1, ErrorsByKind: map[string]int64{"dial": 1}, Latency: ack(3, time.Millisecond)},
		{ConnectsTotal: 3, MessagesOutTotal: 7, ErrorsByKind: map[string]int64{"dial": 2, "emit": 1}, Latency: ack(4, 9*time.Millisecond)},
	})
	assert.EqualValues(t, 5, s.ConnectsTotal)
	assert.EqualValues(t, 12, s.MessagesOutTotal)
	assert.EqualValues(t, 1, s.StartsDropped)
	assert.Equal(t, map[string]int64{"dial": 3, "emit": 1}, s.ErrorsByKind)
	require.Len(t, s.Latency, 1)
	assert.EqualValues(t, 7, s.Latency[0].Count)
	assert.Equal(t, 9*time.Millisecond, s.Latency[0].P99)

	assert.Nil(t, TeeProgress(nil, nil))
	var got []int64
	TeeProgress(nil, func(p Progress) { got = append(got, p.Clients) }, func(p Progress) { got = append(got, -p.Clients) })(Progress{Clients: 2})
	assert.Equal(t, []int64{2, -2}, got)
}
