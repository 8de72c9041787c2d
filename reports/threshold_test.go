package reports

import (
	"testing"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEvaluate(t *testing.T) {
	t.Parallel()
	run := sampleRun(t) // 10 s; ack: 100 user-join 1–50 ms, 200 chat 0.5–5 ms
	for _, tc := range []struct {
		expr   string
		ok     bool
		actual string
	}{
		{"ack_p99{event:user-join} < 100ms", true, "49.5ms"},
		{"ack_p99 < 10ms", false, "48.5ms"},
		{"ack_p50{event:chat} <= 3ms", true, "2.74ms"},
		{"ack_max{event:chat} < 5.1ms", true, "5ms"},
		{"ack_max{event:chat} < 5ms", false, "5ms"}, // HDR max is the top of 5000 µs's bucket: 5.003 ms
		{"ack_min < 1", true, "500µs"},
		{"ack_count == 300", true, "300"},
		{"ack_rate >= 30/s", true, "30/s"},
		{"ack_rate > 30", false, "30/s"},
		{"connect_tcp_mean > 1000us", true, "1.1ms"},
		{"connections == 100", true, "100"},
		{"connections_rate >= 10", true, "10/s"},
		{"errors{kind:dial} < 3", true, "2"},
		{"reconnects == 0", true, "0"}, // never recorded: zero
		{"error_rate < 0.1%", false, "0.3%"},
		{"error_rate{kind:dial} <= 0.2%", true, "0.2%"},
		{"push_p99 < 1s", false, "no data"},
		{"push_count == 0", true, "0"}, // counts of nothing are zero
		{"push_rate{event:chat} < 1", true, "0/s"},
		{"ack_p99{event:nope} < 1s", false, "no data"},
		{"lag_p99 < 1ms", false, "15ms"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			res, ok := Evaluate(run, []string{tc.expr})
			require.Len(t, res, 1)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.ok, res[0].OK)
			assert.Equal(t, tc.actual, res[0].Actual)
			assert.Empty(t, res[0].Err)
		})
	}

	res, ok := Evaluate(run, []string{"connections == 100", "bogus < 1"})
	assert.False(t, ok, "an invalid threshold fails the run")
	assert.True(t, res[0].OK)
	assert.Equal(t, "invalid", res[1].Actual)
	assert.Contains(t, res[1].Err, `unknown metric "bogus"`)

	_, ok = Evaluate(&Run{}, []string{"error_rate < 1%"})
	assert.False(t, ok, "error_rate with no operation is no data")
	_, ok = Evaluate(run, nil)
	assert.True(t, ok, "no thresholds: nothing fails")
}

// starts_dropped and starts_delayed as a percentage are shares of the
// intended starts (starts + starts_dropped).
func TestEvaluateStartsShare(t *testing.T) {
	t.Parallel()
	run := &Run{Counters: []CounterRecord{
		{Metric: threshold.MetricStarts, Value: 900},
		{Metric: threshold.MetricStartsDropped, Value: 100},
		{Metric: threshold.MetricStartsDelayed, Value: 450},
	}}
	for _, tc := range []struct {
		expr   string
		ok     bool
		actual string
	}{
		{"starts_dropped == 0", false, "100"},
		{"starts_dropped < 10%", false, "10% (100 of 1000)"},
		{"starts_dropped <= 10%", true, "10% (100 of 1000)"},
		{"starts_dropped < 100%", true, "10% (100 of 1000)"},
		{"starts_delayed < 50%", true, "45% (450 of 1000)"},
	} {
		res, ok := Evaluate(run, []string{tc.expr})
		assert.Equal(t, tc.ok, ok, tc.expr)
		assert.Equal(t, tc.actual, res[0].Actual, tc.expr)
	}
	res, ok := Evaluate(&Run{}, []string{"starts_dropped < 1%"})
	assert.True(t, ok, "nothing intended: nothing dropped")
	assert.Equal(t, "0% of 0", res[0].Actual)
}

func TestWithDefaultThresholds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want []string }{
		{nil, []string{"starts_dropped == 0"}},
		{[]string{"error_rate < 1%"}, []string{"error_rate < 1%", "starts_dropped == 0"}},
		{[]string{"starts_dropped < 5%"}, []string{"starts_dropped < 5%"}},
		{[]string{"starts_dropped_rate < 5/s", "ack_p99 < 1s"}, []string{"starts_dropped_rate < 5/s", "ack_p99 < 1s"}},
		{[]string{"starts_delayed < 5%"}, []string{"starts_delayed < 5%", "starts_dropped == 0"}},
	} {
		in := tc.in
		assert.Equal(t, tc.want, WithDefaultThresholds(in), "%v", tc.in)
		assert.Equal(t, tc.in, in, "the input is not modified")
	}
	// Dropped starts fail a run whose scenario says nothing about them.
	run := &Run{Counters: []CounterRecord{{Metric: threshold.MetricStarts, Value: 10}, {Metric: threshold.MetricStartsDropped, Value: 1}}}
	_, ok := Evaluate(run, WithDefaultThresholds([]string{"starts_delayed >= 0"}))
	assert.False(t, ok)
}
