package simulator

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/simulator/metrics"
)

// firings records when the scheduler fired which item.
type firings struct {
	mu  sync.Mutex
	at  map[*hbItem][]time.Duration
	t0  time.Time
	gap time.Duration // how long each send takes
}

func (f *firings) fire(it *hbItem) {
	if f.gap > 0 {
		time.Sleep(f.gap)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.at[it] = append(f.at[it], time.Since(f.t0))
}

func (f *firings) times(it *hbItem) []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.at[it]...)
}

func newFirings() *firings { return &firings{at: map[*hbItem][]time.Duration{}, t0: time.Now()} }

// SESS-1: every item fires every interval from when it was added, many
// items on one goroutine, each at its own phase.
func TestHeartbeatsFireEveryInterval(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFirings()
		h := newHeartbeats(f.fire, nil)
		a := h.add(nil, 5*time.Second)
		time.Sleep(time.Second)
		b := h.add(nil, 2*time.Second)
		time.Sleep(11*time.Second + time.Millisecond)
		synctest.Wait()
		s := time.Second
		assert.Equal(t, []time.Duration{5 * s, 10 * s}, f.times(a))
		assert.Equal(t, []time.Duration{3 * s, 5 * s, 7 * s, 9 * s, 11 * s}, f.times(b))
		h.remove(a)
		h.remove(b)
		synctest.Wait() // the scheduler and its workers end with the last item
		assert.Zero(t, h.len())
	})
}

// CLIENT-5: a removed item stops firing; adding again restarts the timer
// one interval from the new start (a reconnect).
func TestHeartbeatsStopOnRemoveAndRestartOnAdd(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFirings()
		h := newHeartbeats(f.fire, nil)
		a := h.add(nil, time.Second)
		time.Sleep(2500 * time.Millisecond)
		h.remove(a)
		time.Sleep(5 * time.Second)
		synctest.Wait()
		assert.Len(t, f.times(a), 2, "fired at 1s and 2s, then never")
		b := h.add(nil, time.Second) // reconnected at 7.5s
		time.Sleep(1500 * time.Millisecond)
		synctest.Wait()
		assert.Equal(t, []time.Duration{8500 * time.Millisecond}, f.times(b))
		h.remove(b)
		h.remove(b) // twice is harmless
		synctest.Wait()
	})
}

// The scheduler's lateness is the generator's lag: sends that take long
// (a stuck polling POST) delay the others once every worker is busy, and
// the lag metric shows it; a late item is not fired twice to catch up.
func TestHeartbeatsRecordLateness(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rec := metrics.New(metrics.Config{})
		f := newFirings()
		f.gap = 3 * time.Second
		h := newHeartbeats(f.fire, rec.Timer(threshold.MetricLag))
		var items []*hbItem
		for range heartbeatWorkers + 2 {
			items = append(items, h.add(nil, time.Second))
		}
		time.Sleep(10 * time.Second)
		for _, it := range items {
			h.remove(it)
		}
		time.Sleep(10 * time.Second) // let the workers finish
		synctest.Wait()
		var lag metrics.TimerStats
		for _, ts := range rec.Snapshot().Timers {
			if ts.Metric == threshold.MetricLag {
				lag = ts
			}
		}
		require.NotZero(t, lag.Count)
		assert.GreaterOrEqual(t, lag.Max, 2*time.Second, "sends queued behind stuck workers are late")
		for _, it := range items {
			got := f.times(it)
			for i := 1; i < len(got); i++ {
				assert.GreaterOrEqual(t, got[i]-got[i-1], time.Second, "no burst to catch up")
			}
		}
	})
}

// Many clients: one goroutine (plus the workers) however many items, and
// the order holds through removals in the middle of the heap.
func TestHeartbeatsManyItems(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFirings()
		h := newHeartbeats(f.fire, nil)
		var items []*hbItem
		for i := range 1000 {
			items = append(items, h.add(nil, time.Duration(1000+i)*time.Millisecond))
		}
		for i := 0; i < 1000; i += 3 {
			h.remove(items[i])
		}
		time.Sleep(2100 * time.Millisecond)
		synctest.Wait()
		for i, it := range items {
			got := f.times(it)
			if i%3 == 0 {
				assert.Empty(t, got, "item %d was removed", i)
				continue
			}
			if assert.NotEmpty(t, got, "item %d", i) {
				assert.Equal(t, time.Duration(1000+i)*time.Millisecond, got[0], "item %d", i)
			}
		}
		for i, it := range items {
			if i%3 != 0 {
				h.remove(it)
			}
		}
		synctest.Wait()
		assert.Zero(t, h.len())
	})
}
