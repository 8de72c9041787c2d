package simulator

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProgressLine(t *testing.T) {
	t.Parallel()
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	ev := func(e string) map[string]string { return map[string]string{threshold.TagEvent: e} }
	p := Progress{Phase: "typing", Elapsed: 12*time.Second + 400*time.Millisecond, Total: 40 * time.Second,
		Clients: 1500, Connects: 250, MessagesIn: 5000, MessagesOut: 4999, AckP99: ms(99), Errors: 2,
		Latency: []IntervalLatency{
			{Metric: threshold.MetricAck, Tags: ev("a"), Count: 10, P99: ms(3.24)},
			{Metric: threshold.MetricAck, Tags: ev("b"), Count: 10, P99: ms(1.5)},
			{Metric: threshold.MetricPush, Tags: ev("c"), Count: 10, P99: ms(12.34)},
			{Metric: threshold.MetricLag, Count: 10, P99: ms(4)},
		}}
	for _, tc := range []struct {
		name string
		p    Progress
		want string
	}{
		{"the last second's p99s, the highest over events", p,
			"typing    12s/40s  clients 1500  connects/s 250  msgs/s in 5000 out 4999  ack p99 3.2ms  push p99 12.3ms  errors 2"},
		{"no phase, no total, no samples", Progress{Elapsed: 3 * time.Second},
			"  3s  clients 0  connects/s 0  msgs/s in 0 out 0  ack p99 -  push p99 -  errors 0"},
		{"overloaded: the lag rule stated", Progress{Phase: "join", Elapsed: time.Second, Total: 2 * time.Second,
			Latency: []IntervalLatency{{Metric: threshold.MetricLag, Count: 3, P99: ms(23)}, {Metric: threshold.MetricAck, Count: 1, P99: 800 * time.Microsecond}}},
			"join       1s/2s  clients 0  connects/s 0  msgs/s in 0 out 0  ack p99 800µs  push p99 -  errors 0  OVERLOADED (lag p99 23.0ms > 10ms)"},
		{"a lag of exactly the limit is not overload", Progress{Elapsed: time.Second,
			Latency: []IntervalLatency{{Metric: threshold.MetricLag, Count: 3, P99: ms(10)}}},
			"  1s  clients 0  connects/s 0  msgs/s in 0 out 0  ack p99 -  push p99 -  errors 0"},
	} {
		assert.Equal(t, tc.want, tc.p.String(), tc.name)
	}

	var b bytes.Buffer
	ProgressText(&b)(p)
	assert.Equal(t, p.String()+"\n", b.String())
}

// On a terminal the line is redrawn in place, and ended once at the end.
func TestProgressTerminal(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	progress, done := ProgressTerminal(&b)
	done()
	assert.Empty(t, b.String(), "nothing drawn, nothing to end")
	a, c := Progress{Elapsed: time.Second, Clients: 1}, Progress{Elapsed: 2 * time.Second, Clients: 2}
	progress(a)
	progress(c)
	done()
	done()
	assert.Equal(t, "\r"+a.String()+"\x1b[K\r"+c.String()+"\x1b[K\n", b.String())
}

func TestProgressJSONRoundTrips(t *testing.T) {
	t.Parallel()
	p := Progress{Phase: "hold", Elapsed: 3 * time.Second, Total: 5 * time.Second, Clients: 7, Connects: 2, MessagesIn: 3, MessagesOut: 4, AckP99: time.Millisecond, Errors: 1}
	var b bytes.Buffer
	ProgressJSON(&b)(p)
	require.True(t, strings.HasPrefix(b.String(), progressPrefix))
	got, ok := ParseProgress(b.String())
	require.True(t, ok)
	assert.Equal(t, p, got)
	for _, line := range []string{"level=WARN msg=x", progressPrefix + "{not json", ""} {
		_, ok := ParseProgress(line)
		assert.False(t, ok, line)
	}
}

func TestSumProgress(t *testing.T) {
	t.Parallel()
	sum := sumProgress([]Progress{
		{Phase: "ramp", Elapsed: time.Second, Total: 9 * time.Second, Clients: 1, Connects: 2, MessagesIn: 3, MessagesOut: 4, AckP99: 5 * time.Millisecond, Errors: 6},
		{Phase: "hold", Elapsed: 2 * time.Second, Total: 9 * time.Second, Clients: 10, Connects: 20, MessagesIn: 30, MessagesOut: 40, AckP99: 2 * time.Millisecond, Errors: 60},
	})
	assert.Equal(t, Progress{Phase: "hold", Elapsed: 2 * time.Second, Total: 9 * time.Second, Clients: 11, Connects: 22, MessagesIn: 33, MessagesOut: 44, AckP99: 5 * time.Millisecond, Errors: 66}, sum)
}
