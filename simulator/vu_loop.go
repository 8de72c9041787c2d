package simulator

import (
	"context"
	"math"
	"sync/atomic"
	"time"

	"github.com/stampede-sio/stampede/simulator/schedule"
)

// loop repeats its steps Count times, for Duration, or paced at Rate per
// second, stopping at the first limit reached (rate alone: until the run
// ends); false when ctx ended the run meanwhile.
//
// A rate loop is an open loop per client: iteration k is intended at
// start + phase + k/rate whatever the earlier iterations took. phase is 0
// for phase: aligned, else drawn uniformly in [0, 1/rate) from the client's
// seeded source each time the loop starts: clients that reach the loop at
// the same moment (after think until, or a ramp's end) spread their sends
// over the period instead of sending together every period
// (PERFORMANCE.md: phase-locked senders). The phase costs no memory per
// client; the loop's duration still counts from start. An iteration that
// starts late is still run, and what it measures (ack) counts from its
// intended time: the client's lateness is carried as v.debt and added to
// the round trips measured inside the iteration, which removes coordinated
// omission (a server that slows down shows growing latencies, not fewer
// samples). An iteration more than schedule.DelayTolerance late counts under
// starts_delayed; a timer that woke the client late is recorded as lag;
// iterations still due when the loop ends (its duration, or the run) and
// never started count under starts_dropped.
func (v *vu) loop(ctx context.Context, l *loopPlan) bool {
	ok, _ := v.loopFrom(ctx, v.startLoop(l), -1)
	return ok
}

// loopRun is a loop in progress: what loopFrom needs to go on with it,
// kept off the goroutine's stack so that a top-level rate loop can park
// between iterations (vu_park.go).
type loopRun struct {
	l          *loopPlan
	first, end time.Time // iteration 0's intended time; the loop's end (zero: none)
	k          int       // the next iteration
	// woke: the client slept (parked) until iteration k's intended time,
	// so its lateness on waking is the generator's lag.
	woke      bool
	park      *loopPark // a top-level loop's parking, once it has parked
	outerDebt time.Duration
	outerIter int
}

// startLoop starts loop l now.
func (v *vu) startLoop(l *loopPlan) *loopRun {
	lr := &loopRun{l: l, outerDebt: v.debt, outerIter: v.td.Iteration}
	// The loop's own intended start: a loop that starts late inside a
	// late iteration inherits that lateness.
	start := time.Now().Add(-v.debt)
	if l.duration > 0 {
		lr.end = start.Add(l.duration)
	}
	lr.first = start
	if l.rate > 0 && !l.aligned {
		lr.first = start.Add(time.Duration(v.rng.Float64() * float64(time.Second) / l.rate))
	}
	return lr
}

// loopFrom runs lr from its next iteration. top is the loop's index among
// the flow's top-level steps, or -1 inside another step: a top-level rate
// loop parks until its next iteration when it can, and then reports
// parked, after which the caller must not touch the client (the wake-up
// goes on with the loop and the steps after it). ok is false when ctx
// ended the run meanwhile.
func (v *vu) loopFrom(ctx context.Context, lr *loopRun, top int) (ok, parked bool) {
	l := lr.l
	for ; l.count <= 0 || lr.k < l.count; lr.k++ {
		k := lr.k
		now := time.Now()
		if !lr.end.IsZero() && !now.Before(lr.end) {
			v.dropDue(l, lr.first, lr.end, k)
			return v.endLoop(lr, true), false
		}
		if l.rate > 0 {
			intended := lr.first.Add(iterationOffset(k, l.rate))
			if !l.exact {
				intended = v.p.pace.onGrid(intended, l.rate)
			}
			if !lr.end.IsZero() && !intended.Before(lr.end) {
				return v.endLoop(lr, true), false // the next iteration is due after the loop's end
			}
			if intended.After(now) {
				if top >= 0 && v.parkLoop(ctx, intended, lr, top) {
					return true, true
				}
				if v.sleep(ctx, intended, nil) == wokeDone {
					return v.endLoop(lr, false), false // not behind: nothing was due and skipped
				}
				now, lr.woke = time.Now(), true
			}
			if lr.woke && !v.relost { // a reconnection's time is not the generator's lag
				v.p.m.recordLag(intended, now)
			}
			lr.woke = false
			v.p.m.starts.Inc()
			v.p.pace.count(now)
			late := now.Sub(intended)
			if late > schedule.DelayTolerance {
				v.p.m.startsDelayed.Inc()
			}
			v.debt = max(late, 0)
			if f := v.p.onIteration; f != nil {
				f(v.index, k, intended, now)
			}
		}
		v.td.Iteration = k
		if !v.runSteps(ctx, l.steps) {
			until := time.Now()
			if !lr.end.IsZero() && lr.end.Before(until) {
				until = lr.end
			}
			v.dropDue(l, lr.first, until, k+1)
			return v.endLoop(lr, false), false
		}
	}
	return v.endLoop(lr, true), false
}

// endLoop gives the enclosing iteration its lateness and number back, and
// returns ok.
func (v *vu) endLoop(lr *loopRun, ok bool) bool {
	if lr.park != nil {
		lr.park.release()
		lr.park = nil
	}
	v.debt, v.td.Iteration = lr.outerDebt, lr.outerIter
	return ok
}

// dropDue counts the iterations of a rate loop intended before until that
// were never started (started of them were).
func (v *vu) dropDue(l *loopPlan, start, until time.Time, started int) {
	if l.rate <= 0 {
		return
	}
	due := max(int(math.Ceil(until.Sub(start).Seconds()*l.rate)), 0) // k/rate < until−start
	if l.count > 0 {
		due = min(due, l.count)
	}
	if n := due - started; n > 0 {
		v.p.m.startsDropped.Add(int64(n))
	}
}

// iterationOffset is k/rate as a duration, computed without accumulating
// rounding errors.
func iterationOffset(k int, rate float64) time.Duration {
	return time.Duration(float64(k) / rate * float64(time.Second))
}

// pacing batches the rate-loop iterations of a process's clients. With one
// emit a second per client, each emit was a lone event: the runtime parked
// a thread after it and woke one for its ack, and the write woke the idle
// server, which cost several times the emit itself (issue 16, one quiet
// sitting of bench/paced-emit.sh: 78-79 µs of simulator CPU per acked emit
// at 5,000 clients, 188-203 µs at 1,000; back to back the README's
// BenchmarkVUEmitWithAckClientCPU reads 11-21 µs). So an iteration's intended time is rounded up to a grid,
// and the iterations due on the same line of it start together: their
// timers fire in one pass, the emits go out back to back and the acks come
// back together. The grid is sized from the process's iterations of the
// last second so that about pacingBatch fall on each line (never coarser
// than pacingMaxGrid, nor than a quarter of the loop's own period, and
// none below a millisecond, where the iterations batch by themselves). A
// line's iterations start one after another, and what the last of them
// waits counts in what it measures, as any generator lateness does; with
// pacingBatch 16 that is a few hundred microseconds at most. The rounding
// keeps the rate and never starts an iteration early; it changes where in
// its period each client's phase falls by less than a line. The price is
// the wake-up's lateness: a process that waits for a line wakes up to a
// millisecond late (the runtime's network poller sleeps in whole
// milliseconds), which counts as lag and in what the iteration measures
// (at 5,000 clients an ack's p50 rose from 0.6 to 1.3 ms). phase: exact
// turns the grid off for a loop.
type pacing struct {
	off   bool         // no grid (tests of exact schedules)
	grid  atomic.Int64 // the grid, ns; 0: none
	n     atomic.Int64 // iterations in the current window
	since atomic.Int64 // the window's start, Unix ns
}

const (
	pacingBatch   = 16
	pacingMaxGrid = 20 * time.Millisecond
	pacingMinGrid = time.Millisecond
)

// onGrid rounds t up to the grid (whole milliseconds, since the zero time,
// so that every process of a run has the same lines), for a loop of rate
// per second.
func (pc *pacing) onGrid(t time.Time, rate float64) time.Time {
	if pc.off {
		return t
	}
	g := min(time.Duration(pc.grid.Load()), time.Duration(float64(time.Second)/rate/4).Truncate(time.Millisecond))
	if g < pacingMinGrid {
		return t
	}
	r := t.Truncate(g)
	if r.Before(t) {
		r = r.Add(g)
	}
	return r
}

// count notes an iteration started at now, and resizes the grid once a
// second from the rate of the last window.
func (pc *pacing) count(now time.Time) {
	pc.n.Add(1)
	ns, since := now.UnixNano(), pc.since.Load()
	if since == 0 {
		pc.since.CompareAndSwap(0, ns)
		return
	}
	if ns-since < int64(time.Second) || !pc.since.CompareAndSwap(since, ns) {
		return
	}
	rate := float64(pc.n.Swap(0)) / time.Duration(ns-since).Seconds()
	g := pacingMaxGrid
	if rate > 0 {
		g = min(time.Duration(pacingBatch/rate*float64(time.Second)).Round(time.Millisecond), pacingMaxGrid)
	}
	pc.grid.Store(int64(g))
}
