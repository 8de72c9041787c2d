package metrics

import (
	"math/rand/v2"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// The histogram geometry of every timer: values in microseconds from 1 µs
// to 1 h with 3 significant digits (a relative error of at most 0.1%).
const (
	lowestValue   = 1
	highestValue  = int64(time.Hour / time.Microsecond)
	significant   = 3
	maxCorrection = 100_000 // synthetic values RecordCorrected adds at most per call
)

func newHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(lowestValue, highestValue, significant)
}

// shard is one histogram behind its own lock, padded so that two shards
// never share a cache line (128 bytes covers adjacent-line prefetch).
type shard struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram // nil until the first value
	_  [128 - 16]byte
}

// Timer records durations into an HDR histogram under one metric name and
// tag set. Its methods are safe for concurrent use.
type Timer struct {
	metric string
	tags   map[string]string
	shards []shard
	mask   uint32

	// Owned by the Recorder's snapshot lock.
	spare    *hdrhistogram.Histogram // an empty histogram to swap into a shard
	interval *hdrhistogram.Histogram // values since the last Snapshot
	total    *hdrhistogram.Histogram // values up to the last Snapshot
	mark     *hdrhistogram.Histogram // every value at the current phase's start (nil: none)
}

func newTimer(metric string, tags map[string]string, shards int) *Timer {
	return &Timer{metric: metric, tags: tags, shards: make([]shard, shards), mask: uint32(shards - 1)}
}

// Metric returns the timer's metric name.
func (t *Timer) Metric() string { return t.metric }

// Tags returns the timer's tags; the map must not be modified.
func (t *Timer) Tags() map[string]string { return t.tags }

// toValue converts d to the histogram's microseconds, clamped into its
// range: a negative duration (clocks of two machines) counts as 0, one over
// an hour as an hour. Clamping keeps the hot path free of error values.
func toValue(d time.Duration) int64 {
	v := int64(d / time.Microsecond)
	if v < 0 {
		return 0
	}
	return min(v, highestValue)
}

// lock locks a shard and returns it: a random one, or, if another
// goroutine holds that one, the next free one. Only when every shard is
// busy does it wait, so a collision costs a CAS rather than parking.
func (t *Timer) lock() *shard {
	i := rand.Uint32()
	for range t.mask {
		if s := &t.shards[i&t.mask]; s.mu.TryLock() {
			return s
		}
		i++
	}
	s := &t.shards[i&t.mask]
	s.mu.Lock()
	return s
}

// Record adds one duration. Callers measuring a scheduled action measure
// from its intended time, which corrects for coordinated omission.
func (t *Timer) Record(d time.Duration) {
	v := toValue(d)
	s := t.lock()
	if s.h == nil {
		s.h = newHistogram()
	}
	_ = s.h.RecordValue(v) // v is in range
	s.mu.Unlock()
}

// RecordCorrected adds one duration measured from the actual send of an
// action expected every expectedInterval, and, like HdrHistogram's
// RecordCorrectedValue, the values a stall kept from being measured: d−i,
// d−2i, … down to i. At most 100,000 such values are added per call. Do not
// use it for durations already measured from the intended time.
func (t *Timer) RecordCorrected(d, expectedInterval time.Duration) {
	v, iv := toValue(d), int64(expectedInterval/time.Microsecond)
	s := t.lock()
	if s.h == nil {
		s.h = newHistogram()
	}
	if iv <= 0 || v/iv <= maxCorrection {
		_ = s.h.RecordCorrectedValue(v, iv)
	} else {
		_ = s.h.RecordValue(v)
		for n, m := 0, v-iv; n < maxCorrection && m >= iv; n, m = n+1, m-iv {
			_ = s.h.RecordValue(m)
		}
	}
	s.mu.Unlock()
}

// drain moves every shard's values into t.interval. Each shard's lock is
// held only to swap its histogram for an empty one (or nil: Record then
// allocates one), so recording never waits for a merge. The caller holds
// the Recorder's snapshot lock.
func (t *Timer) drain() {
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		full := s.h
		if full == nil || full.TotalCount() == 0 {
			s.mu.Unlock()
			continue
		}
		s.h = t.spare
		s.mu.Unlock()
		if t.interval == nil {
			t.interval = newHistogram()
		}
		t.interval.Merge(full)
		full.Reset()
		t.spare = full
	}
}

// cut ends the interval: it adds the interval to the total, empties it and
// returns a summary of the interval alone. The caller holds the snapshot
// lock and has drained the timer.
func (t *Timer) cut() TimerStats {
	st := TimerStats{Metric: t.metric, Tags: t.tags}
	iv := t.interval
	if iv == nil || iv.TotalCount() == 0 {
		return st
	}
	st.Count = iv.TotalCount()
	q := iv.ValueAtPercentilesSlice([]float64{50, 90, 99, 100}) // one scan; 100 is Max
	st.P50, st.P90, st.P99, st.Max = micros(q[0]), micros(q[1]), micros(q[2]), micros(q[3])
	if t.total == nil {
		t.total = newHistogram()
	}
	t.total.Merge(iv)
	iv.Reset()
	return st
}

// whole returns every value recorded up to the last drain, without ending
// the interval.
func (t *Timer) whole() *hdrhistogram.Histogram {
	h := newHistogram()
	for _, part := range []*hdrhistogram.Histogram{t.total, t.interval} {
		if part != nil {
			h.Merge(part)
		}
	}
	return h
}

func micros(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
