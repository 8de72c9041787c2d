package schedule

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/reports"
	"github.com/stampede-sio/stampede/scenarios"
	"github.com/stampede-sio/stampede/simulator/metrics"
)

// started is one call of a fake StartFunc, times from the run's start.
type started struct {
	Index    int
	Intended time.Duration
	At       time.Duration
}

// fakeClients is a StartFunc that records its calls; behave runs as the
// client (default: connect at once, then stay until stopped).
type fakeClients struct {
	t0     time.Time
	behave func(ctx context.Context, s *Start)

	mu      sync.Mutex
	starts  []started
	stopped []int
}

func newFakeClients() *fakeClients { return &fakeClients{t0: time.Now()} }

func (f *fakeClients) start(ctx context.Context, s *Start) {
	f.mu.Lock()
	f.starts = append(f.starts, started{s.Index, s.Intended.Sub(f.t0), time.Since(f.t0)})
	f.mu.Unlock()
	if f.behave != nil {
		f.behave(ctx, s)
		return
	}
	s.Connected()
	<-ctx.Done()
	f.mu.Lock()
	f.stopped = append(f.stopped, s.Index)
	f.mu.Unlock()
}

// calls are the starts by index (goroutines started at one instant record
// in any order).
func (f *fakeClients) calls() []started {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := slices.Clone(f.starts)
	slices.SortFunc(out, func(a, b started) int { return a.Index - b.Index })
	return out
}

func (f *fakeClients) indexes() []int {
	var out []int
	for _, s := range f.calls() {
		out = append(out, s.Index)
	}
	slices.Sort(out)
	return out
}

func (f *fakeClients) stoppedIndexes() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := slices.Clone(f.stopped)
	slices.Sort(out)
	return out
}

// runTestPhases runs phases in the bubble with a fake population and stops
// it; it returns the recorder and the run's length.
func runTestPhases(t *testing.T, f *fakeClients, seg Segment, maxConnecting int, phases ...scenarios.Phase) (*metrics.Recorder, time.Duration) {
	t.Helper()
	rec := metrics.New(metrics.Config{Shards: 1, Start: f.t0})
	base, stop := context.WithCancel(t.Context())
	pop := New(base, Config{Start: f.start, Segment: seg, Recorder: rec, MaxConnecting: maxConnecting})
	require.NoError(t, pop.Run(t.Context(), phases, f.t0))
	elapsed := time.Since(f.t0)
	synctest.Wait()
	stop()
	require.True(t, pop.Wait(time.Second))
	return rec, elapsed
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func counter(t *testing.T, rec *metrics.Recorder, metric string) int64 {
	t.Helper()
	var run reports.Run
	require.NoError(t, rec.Export(&run))
	return run.Counter(metric, nil)
}

func TestRampStartsEvenlySpread(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFakeClients()
		rec, elapsed := runTestPhases(t, f, Segment{}, 0,
			scenarios.Phase{Kind: scenarios.PhaseRamp, From: 0, To: 4, Duration: 2 * time.Second})
		want := []started{{0, 0, 0}, {1, ms(500), ms(500)}, {2, ms(1000), ms(1000)}, {3, ms(1500), ms(1500)}}
		assert.Equal(t, want, f.calls())
		assert.Equal(t, 2*time.Second, elapsed)
		assert.Zero(t, counter(t, rec, threshold.MetricStartsDelayed))
	})
}

func TestRampFromBurstsThenRamps(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFakeClients()
		runTestPhases(t, f, Segment{}, 0,
			scenarios.Phase{Kind: scenarios.PhaseRamp, From: 2, To: 4, Duration: 2 * time.Second},
			// Already above from: only levels 4 and 5 start, at 1s and 1.5s of this phase.
			scenarios.Phase{Kind: scenarios.PhaseRamp, From: 2, To: 6, Duration: 2 * time.Second})
		want := []started{
			{0, 0, 0}, {1, 0, 0}, // the burst to from
			{2, 0, 0}, {3, ms(1000), ms(1000)},
			{4, ms(3000), ms(3000)}, {5, ms(3500), ms(3500)},
		}
		assert.ElementsMatch(t, want, f.calls())
	})
}

func TestArrivalStartsAtIntendedTimes(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFakeClients()
		rec, elapsed := runTestPhases(t, f, Segment{}, 0,
			scenarios.Phase{Kind: scenarios.PhaseHold, Duration: time.Second},
			scenarios.Phase{Kind: scenarios.PhaseArrival, Rate: 4, Duration: time.Second},
			scenarios.Phase{Kind: scenarios.PhaseArrival, Rate: 2.5, Duration: time.Second})
		want := []started{
			{0, ms(1000), ms(1000)}, {1, ms(1250), ms(1250)}, {2, ms(1500), ms(1500)}, {3, ms(1750), ms(1750)},
			{4, ms(2000), ms(2000)}, {5, ms(2400), ms(2400)}, {6, ms(2800), ms(2800)},
		}
		assert.Equal(t, want, f.calls())
		assert.Equal(t, 3*time.Second, elapsed)
		assert.Zero(t, counter(t, rec, threshold.MetricStartsDelayed))
		assert.Zero(t, counter(t, rec, threshold.MetricStartsDropped))
	})
}

// With one dial slot and clients that take 600ms to connect, arrivals at
// 4/s wait for the slot: late ones start delayed, and those still waiting a
// second after their intended time are dropped.
func TestArrivalDelaysAndDropsWhenClientsAreSlow(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFakeClients()
		f.behave = func(ctx context.Context, s *Start) {
			time.Sleep(600 * time.Millisecond)
			s.Connected()
			<-ctx.Done()
		}
		rec, _ := runTestPhases(t, f, Segment{}, 1,
			scenarios.Phase{Kind: scenarios.PhaseArrival, Rate: 4, Duration: 2 * time.Second})
		want := []started{
			{0, 0, 0},
			{1, ms(250), ms(600)},   // waited for the slot: 350ms late
			{2, ms(500), ms(1200)},  // 700ms late
			{4, ms(1000), ms(1800)}, // 3 (750ms) was still waiting at 1.75s: dropped
			{6, ms(1500), ms(2400)}, // 5 dropped at 2.25s
		}
		assert.Equal(t, want, f.calls())
		assert.EqualValues(t, 4, counter(t, rec, threshold.MetricStartsDelayed))
		assert.EqualValues(t, 3, counter(t, rec, threshold.MetricStartsDropped)) // 3, 5, 7
		var run reports.Run
		require.NoError(t, rec.Export(&run))
		assert.InDelta(t, 900, run.Generator.LagMax, 1)
		lag, ok := run.Histogram(threshold.MetricLag, nil)
		require.True(t, ok)
		assert.EqualValues(t, 5, lag.TotalCount())
	})
}

// A generator that wakes more than a second late drops without waiting.
func TestArrivalDropsWhenTheGeneratorIsLate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFakeClients()
		rec := metrics.New(metrics.Config{Shards: 1, Start: f.t0})
		base, stop := context.WithCancel(t.Context())
		defer stop()
		pop := New(base, Config{Start: f.start, Segment: Segment{}, Recorder: rec})
		time.Sleep(1600 * time.Millisecond) // the phase was planned to start at 0
		_, err := arrival{scenarios.Phase{Rate: 2, Duration: 2500 * time.Millisecond}}.run(t.Context(), pop, f.t0)
		require.NoError(t, err)
		synctest.Wait()
		// 0 (0s) and 1 (0.5s) are over a second late; 2 and 3 late; 4 on time.
		assert.Equal(t, []started{{2, ms(1000), ms(1600)}, {3, ms(1500), ms(1600)}, {4, ms(2000), ms(2000)}}, f.calls())
		assert.EqualValues(t, 2, counter(t, rec, threshold.MetricStartsDropped))
		assert.EqualValues(t, 2, counter(t, rec, threshold.MetricStartsDelayed))
		stop()
		pop.Wait(time.Second)
	})
}

func TestSpikeLimitsClientsInFlight(t *testing.T) {
	t.Parallel()
	for _, callDone := range []bool{true, false} {
		synctest.Test(t, func(t *testing.T) {
			f := newFakeClients()
			var mu sync.Mutex
			inFlight, most := 0, 0
			f.behave = func(ctx context.Context, s *Start) {
				mu.Lock()
				inFlight++
				most = max(most, inFlight)
				mu.Unlock()
				time.Sleep(100 * time.Millisecond) // the first connection attempt
				mu.Lock()
				inFlight--
				mu.Unlock()
				if callDone {
					s.Connected()
					s.Connected() // twice is harmless
					<-ctx.Done()
				} // else: returning frees the slot too
			}
			_, elapsed := runTestPhases(t, f, Segment{}, 0,
				scenarios.Phase{Kind: scenarios.PhaseSpike, Population: 10, MaxInFlight: 3})
			assert.Equal(t, 3, most, "Connected called: %v", callDone)
			var at []time.Duration
			for _, s := range f.calls() {
				at = append(at, s.At)
				assert.Equal(t, s.Intended, s.At, "a spike's intended time is when it got its slot")
			}
			slices.Sort(at)
			assert.Equal(t, []time.Duration{0, 0, 0, ms(100), ms(100), ms(100), ms(200), ms(200), ms(200), ms(300)}, at)
			assert.Equal(t, ms(300), elapsed, "a spike without duration ends when its last client started")
		})
	}
}

func TestSpikeLastsItsDuration(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFakeClients()
		_, elapsed := runTestPhases(t, f, Segment{}, 0,
			scenarios.Phase{Kind: scenarios.PhaseSpike, Population: 5, MaxInFlight: 128, Duration: 3 * time.Second},
			scenarios.Phase{Kind: scenarios.PhaseHold, Duration: time.Second})
		assert.Equal(t, []int{0, 1, 2, 3, 4}, f.indexes())
		assert.Equal(t, 4*time.Second, elapsed)
	})
}

func TestConstantStopsTheNewest(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFakeClients()
		rec := metrics.New(metrics.Config{Shards: 1, Start: f.t0})
		base, stop := context.WithCancel(t.Context())
		pop := New(base, Config{Start: f.start, Segment: Segment{}, Recorder: rec})
		require.NoError(t, pop.Run(t.Context(), []scenarios.Phase{
			{Kind: scenarios.PhaseSpike, Population: 5},
			{Kind: scenarios.PhaseConstant, Population: 3, Duration: time.Second},
		}, f.t0))
		synctest.Wait()
		assert.Equal(t, []int{3, 4}, f.stoppedIndexes(), "the newest are stopped")
		assert.Equal(t, 3, pop.Running())

		require.NoError(t, pop.Run(t.Context(), []scenarios.Phase{
			{Kind: scenarios.PhaseConstant, Population: 6, Duration: time.Second},
			{Kind: scenarios.PhaseConstant, Duration: time.Second}, // 0: keep
			{Kind: scenarios.PhaseConstant, Population: 4, Duration: time.Second},
		}, time.Now()))
		synctest.Wait()
		assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7}, f.indexes(), "new clients take new indexes")
		assert.Equal(t, []int{3, 4, 6, 7}, f.stoppedIndexes())
		assert.Equal(t, []span{{0, 3}, {5, 6}}, pop.live)
		assert.Equal(t, 4, pop.size())
		stop()
		require.True(t, pop.Wait(time.Second))
	})
}

func TestHoldStartsNoOne(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFakeClients()
		_, elapsed := runTestPhases(t, f, Segment{}, 0, scenarios.Phase{Kind: scenarios.PhaseHold, Duration: 5 * time.Second})
		assert.Empty(t, f.calls())
		assert.Equal(t, 5*time.Second, elapsed)
	})
}

// N segments together start every client of the whole run exactly once, at
// the whole run's times, each 1/N of the rates.
func TestSegmentsReproduceTheWholeRun(t *testing.T) {
	t.Parallel()
	phases := []scenarios.Phase{
		{Kind: scenarios.PhaseRamp, From: 0, To: 7, Duration: time.Second},
		{Kind: scenarios.PhaseArrival, Rate: 10, Duration: time.Second},
		{Kind: scenarios.PhaseSpike, Population: 5, MaxInFlight: 2},
		{Kind: scenarios.PhaseConstant, Population: 25, Duration: time.Second},
	}
	run := func(seg Segment) []started {
		var out []started
		synctest.Test(t, func(t *testing.T) {
			f := newFakeClients()
			runTestPhases(t, f, seg, 0, phases...)
			out = f.calls()
		})
		return out
	}
	key := func(a, b started) int { return a.Index - b.Index }
	whole := run(Segment{})
	slices.SortFunc(whole, key)
	require.Len(t, whole, 25)
	var union []started
	for i := 1; i <= 3; i++ {
		part := run(Segment{I: i, N: 3})
		for _, s := range part {
			assert.Equal(t, i-1, s.Index%3, "segment %d/3 started %d", i, s.Index)
		}
		union = append(union, part...)
	}
	slices.SortFunc(union, key)
	assert.Equal(t, whole, union)
}

func TestPhasesStopWithTheContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFakeClients()
		rec := metrics.New(metrics.Config{Shards: 1, Start: f.t0})
		ctx, cancel := context.WithTimeout(t.Context(), 1100*time.Millisecond)
		defer cancel()
		base, stop := context.WithCancel(t.Context())
		pop := New(base, Config{Start: f.start, Segment: Segment{}, Recorder: rec})
		err := pop.Run(ctx, []scenarios.Phase{{Kind: scenarios.PhaseRamp, To: 10, Duration: 10 * time.Second}}, f.t0)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, ms(1100), time.Since(f.t0))
		assert.Equal(t, []int{0, 1}, f.indexes())
		stop()
		require.True(t, pop.Wait(time.Second))
		assert.Equal(t, []int{0, 1}, f.stoppedIndexes())
	})
}

func TestFraction(t *testing.T) {
	t.Parallel()
	assert.Equal(t, ms(500), fraction(2*time.Second, 1, 4))
	assert.Equal(t, time.Duration(86_399_913_600_000), fraction(24*time.Hour, 999_999, 1_000_000))
	assert.Equal(t, 3, arrivals(0.1, 30*time.Second))
	assert.Equal(t, 3, arrivals(2.5, time.Second))
	assert.Equal(t, 0, arrivals(0, time.Second))
}
