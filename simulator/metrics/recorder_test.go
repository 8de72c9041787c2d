package metrics

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/reports"
)

func TestHandlesAreCached(t *testing.T) {
	t.Parallel()
	r := New(Config{})
	a := r.Timer(threshold.MetricAck, threshold.TagEvent, "chat", "x", "1")
	assert.Same(t, a, r.Timer(threshold.MetricAck, "x", "1", threshold.TagEvent, "chat"), "tag order does not matter")
	assert.NotSame(t, a, r.Timer(threshold.MetricAck, threshold.TagEvent, "other"))
	assert.Same(t, r.Counter(threshold.MetricConnections), r.Counter(threshold.MetricConnections))
	assert.Same(t, r.Gauge(threshold.MetricClients), r.Gauge(threshold.MetricClients))
	assert.Equal(t, map[string]string{"event": "chat", "x": "1"}, a.Tags())
	assert.Panics(t, func() { r.Timer(threshold.MetricAck, threshold.TagEvent) }, "tags come in pairs")
}

func TestShardsRoundUp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want int }{{1, 1}, {3, 4}, {8, 8}, {9, 16}} {
		assert.Len(t, New(Config{Shards: tc.in}).Timer("x").shards, tc.want, "Shards %d", tc.in)
	}
	assert.GreaterOrEqual(t, len(New(Config{}).Timer("x").shards), 4)
}

// Many goroutines recording at once while snapshots are taken: every value
// lands in exactly one interval, and the totals are exact.
func TestConcurrentTotals(t *testing.T) {
	t.Parallel()
	const goroutines, each = 64, 2000
	r := New(Config{})
	tm := r.Timer(threshold.MetricAck, threshold.TagEvent, "chat")
	c := r.Counter(threshold.MetricMessagesSent, threshold.TagEvent, "chat")
	var intervals int64
	var deltas int64
	stop := make(chan struct{})
	snapped := make(chan struct{})
	go func() {
		defer close(snapped)
		for {
			s := r.Snapshot()
			intervals += s.Timers[0].Count
			deltas += s.Counters[0].Delta
			select {
			case <-stop:
				return
			default:
				time.Sleep(time.Millisecond)
			}
		}
	}()
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				tm.Record(time.Duration(g*each+i) * time.Microsecond)
				c.Inc()
			}
		})
	}
	wg.Wait()
	close(stop)
	<-snapped
	s := r.Snapshot()
	intervals += s.Timers[0].Count
	deltas += s.Counters[0].Delta

	assert.Equal(t, int64(goroutines*each), intervals, "each value in exactly one interval")
	assert.Equal(t, int64(goroutines*each), deltas)
	assert.Equal(t, int64(goroutines*each), c.Value())

	var run reports.Run
	require.NoError(t, r.Export(&run))
	require.Len(t, run.Histograms, 1)
	assert.Equal(t, int64(goroutines*each), run.Histograms[0].Count)
	want := newHistogram()
	for v := range int64(goroutines * each) {
		require.NoError(t, want.RecordValue(v))
	}
	got, err := run.Histograms[0].Decode()
	require.NoError(t, err)
	assert.True(t, got.Equals(want), "the shards merge to the histogram of every value")
}

func TestSnapshotIntervals(t *testing.T) {
	t.Parallel()
	start := time.Now().Add(-2 * time.Second)
	r := New(Config{Start: start})
	join := r.Timer(threshold.MetricAck, threshold.TagEvent, "user-join")
	chat := r.Timer(threshold.MetricAck, threshold.TagEvent, "chat")
	conn := r.Timer(threshold.MetricSIOConnect)
	r.Counter(threshold.MetricMessagesSent, threshold.TagEvent, "chat").Add(5)
	r.Counter(threshold.MetricMessagesReceived, threshold.TagEvent, "chat").Add(3)
	r.Gauge(threshold.MetricClients).Set(7)
	r.Gauge(threshold.MetricConnecting).Add(2)
	r.Error("dial", errors.New("refused"))
	for range 3 {
		conn.Record(time.Millisecond)
	}
	for i := range 99 {
		chat.Record(time.Duration(i+1) * time.Millisecond)
	}
	join.Record(time.Second)

	s := r.Snapshot()
	p := s.Point()
	assert.Equal(t, int64(2), p.T)
	require.Len(t, p.Latency, 3, "every timer with values this second")
	assert.Equal(t, []string{threshold.MetricSIOConnect, threshold.MetricAck, threshold.MetricAck},
		[]string{p.Latency[0].Metric, p.Latency[1].Metric, p.Latency[2].Metric}, "in the reporters' order")
	for _, l := range p.Latency {
		if l.Tags[threshold.TagEvent] == "chat" {
			assert.Equal(t, reports.LatencyPoint{Metric: threshold.MetricAck, Tags: l.Tags, Count: 99,
				P50: 50.015, P90: 89.023, P99: 98.047, Max: 99.007}, l, "this second's chat acks, ms")
		}
	}
	assert.Equal(t, reports.Point{T: 2, Clients: 7, Connecting: 2, Connects: 3, MessagesIn: 3, MessagesOut: 5, Errors: 1,
		ErrorsByKind: map[string]int64{"dial": 1}, MessagesOutByEvent: map[string]int64{"chat": 5}, Latency: p.Latency,
		AckP99: 99.007, AckHDR: p.AckHDR}, p)
	ack, err := hdrhistogram.Decode([]byte(p.AckHDR))
	require.NoError(t, err)
	assert.Equal(t, int64(100), ack.TotalCount(), "the second's acks over every event")

	chat.Record(2 * time.Second)
	r.Counter(threshold.MetricMessagesSent, threshold.TagEvent, "chat").Inc()
	s = r.Snapshot()
	p = s.Point()
	assert.Equal(t, int64(1), p.MessagesOut, "counts per interval")
	assert.Equal(t, int64(0), p.Connects)
	assert.Equal(t, int64(0), p.Errors)
	assert.Nil(t, p.ErrorsByKind, "no error this second")
	require.Len(t, p.Latency, 1, "only the timer with a value this second")
	two := newHistogram()
	require.NoError(t, two.RecordValue(2_000_000))
	at := micros(two.Max()) // 2 s within HDR's 0.1%
	for _, ts := range s.Timers {
		if ts.Metric == threshold.MetricAck && ts.Tags[threshold.TagEvent] == "chat" {
			assert.Equal(t, TimerStats{Metric: "ack", Tags: ts.Tags, Count: 1, P50: at, P90: at, P99: at, Max: at}, ts,
				"interval stats cover the interval only")
		}
	}
	all := newHistogram()
	for _, v := range []int64{1_000_000, 2_000_000} {
		require.NoError(t, all.RecordValue(v))
	}
	for i := range 99 {
		require.NoError(t, all.RecordValue(int64(i+1)*1000))
	}
	assert.Equal(t, micros(all.ValueAtPercentile(99)), s.AckP99, "ack p99 over the run so far")
}

// Export, write, read: the histograms come back count for count.
func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	r := New(Config{Shards: 4})
	want := map[string]*hdrhistogram.Histogram{}
	for e, n := range map[string]int{"chat": 500, "user-join": 50} {
		tm := r.Timer(threshold.MetricAck, threshold.TagEvent, e)
		want[e] = newHistogram()
		for i := range n {
			d := time.Duration(i*i+1) * 37 * time.Microsecond
			tm.Record(d)
			require.NoError(t, want[e].RecordValue(int64(d/time.Microsecond)))
		}
	}
	r.Timer(threshold.MetricPush, threshold.TagEvent, "silent") // never recorded: not exported
	lag := r.Timer(threshold.MetricLag)
	for i := range 100 {
		lag.Record(time.Duration(i) * 200 * time.Microsecond)
	}
	r.Snapshot() // part of the values before the snapshot, part after
	r.Timer(threshold.MetricAck, threshold.TagEvent, "chat").Record(time.Second)
	require.NoError(t, want["chat"].RecordValue(1_000_000))
	r.Counter(threshold.MetricConnections).Add(40)
	r.Counter(threshold.MetricStartsDelayed).Add(3)
	for i := range 15 {
		r.Error("ack_timeout", fmt.Errorf("no ack %d", i%12))
	}

	run := reports.Run{Schema: reports.RunSchema, Scenario: "x"}
	require.NoError(t, r.Export(&run))
	var b bytes.Buffer
	require.NoError(t, reports.WriteRunJSON(&b, &run))
	back, err := reports.ReadRun(&b)
	require.NoError(t, err)

	require.Len(t, back.Histograms, 3, "ack×2 and lag; the silent push timer is left out")
	assert.Equal(t, []string{"ack", "ack", "lag"}, []string{back.Histograms[0].Metric, back.Histograms[1].Metric, back.Histograms[2].Metric})
	for e, w := range want {
		got, ok := back.Histogram(threshold.MetricAck, map[string]string{threshold.TagEvent: e})
		require.True(t, ok, e)
		assert.True(t, got.Equals(w), "ack{event:%s} round trips exactly", e)
	}
	all, _, ok := back.Aggregate(threshold.MetricAck, nil)
	require.True(t, ok)
	assert.Equal(t, int64(551), all.TotalCount())
	assert.Equal(t, int64(40), back.Counter(threshold.MetricConnections, nil))
	assert.Equal(t, int64(15), back.Counter(threshold.MetricErrors, map[string]string{threshold.TagKind: "ack_timeout"}))
	assert.Equal(t, int64(3), back.Generator.StartsDelayed)
	assert.InDelta(t, 19.6, back.Generator.LagP99, 0.02)
	assert.InDelta(t, 19.8, back.Generator.LagMax, 0.02)
	require.Len(t, back.Errors, 1)
	assert.Equal(t, int64(15), back.Errors[0].Count)
	assert.Len(t, back.Errors[0].Messages, reports.MaxErrorMessages, "the first distinct messages only")
	assert.Equal(t, "no ack 0", back.Errors[0].Messages[0])
}

func TestRecordCorrected(t *testing.T) {
	t.Parallel()
	r := New(Config{Shards: 1})
	tm := r.Timer(threshold.MetricAck)
	tm.RecordCorrected(100*time.Millisecond, 10*time.Millisecond) // 100, 90, …, 10 ms
	tm.RecordCorrected(5*time.Millisecond, 10*time.Millisecond)   // within the interval: as is
	tm.RecordCorrected(time.Hour, time.Microsecond)               // bounded
	tm.RecordCorrected(time.Millisecond, 0)
	s := r.Snapshot()
	assert.Equal(t, int64(10+1+1+maxCorrection+1), s.Timers[0].Count)
}

func TestRecordClamps(t *testing.T) {
	t.Parallel()
	r := New(Config{})
	tm := r.Timer(threshold.MetricPush, threshold.TagEvent, "chat")
	tm.Record(-time.Second) // another machine's clock
	tm.Record(3 * time.Hour)
	s := r.Snapshot()
	assert.Equal(t, int64(2), s.Timers[0].Count, "out of range values are kept, clamped")
	assert.Equal(t, time.Duration(0), s.Timers[0].P50)
	assert.InDelta(t, float64(time.Hour), float64(s.Timers[0].Max), float64(time.Hour)/1000)
}

// Each phase's histograms hold the values recorded while it was in
// progress, apart from the others; Export includes the phase in progress
// and can be called again.
func TestRecorderPhases(t *testing.T) {
	t.Parallel()
	r := New(Config{Shards: 4})
	ack := r.Timer(threshold.MetricAck, threshold.TagEvent, "chat")
	ack.Record(time.Millisecond) // before any phase: in the whole run only
	require.NoError(t, r.BeginPhase("ramp"))
	for range 10 {
		ack.Record(2 * time.Millisecond)
	}
	r.Snapshot() // a second's cut does not end the phase
	ack.Record(3 * time.Millisecond)
	require.NoError(t, r.BeginPhase("hold"))
	for range 100 {
		ack.Record(50 * time.Millisecond)
	}
	connect := r.Timer(threshold.MetricSIOConnect) // a timer born mid-run
	connect.Record(time.Millisecond)
	require.NoError(t, r.BeginPhase(reports.TeardownPhase))
	ack.Record(time.Second)

	for range 2 {
		var run reports.Run
		require.NoError(t, r.Export(&run))
		require.Len(t, run.Phases, 3)
		names := []string{run.Phases[0].Name, run.Phases[1].Name, run.Phases[2].Name}
		assert.Equal(t, []string{"ramp", "hold", reports.TeardownPhase}, names)
		ramp, hold, down := run.Phases[0], run.Phases[1], run.Phases[2]
		require.Len(t, ramp.Histograms, 1)
		assert.EqualValues(t, 11, ramp.Histograms[0].Count)
		assert.InDelta(t, 3, ramp.Histograms[0].Max, 0.01)
		require.Len(t, hold.Histograms, 2)
		assert.Equal(t, threshold.MetricSIOConnect, hold.Histograms[0].Metric, "in the order reporters show")
		assert.EqualValues(t, 100, hold.Histograms[1].Count)
		assert.InDelta(t, 50, hold.Histograms[1].P50, 0.1)
		assert.InDelta(t, 50, hold.Histograms[1].P99, 0.1)
		require.Len(t, down.Histograms, 1)
		assert.EqualValues(t, 1, down.Histograms[0].Count)
		assert.InDelta(t, 1000, down.Histograms[0].P50, 1)
		assert.LessOrEqual(t, ramp.Start, ramp.End)
		assert.Equal(t, ramp.End, hold.Start)
		assert.EqualValues(t, 113, run.Histograms[1].Count, "the whole run has them all")
	}
}
