package simulator

import (
	"context"
	"math"
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
	outerDebt, outerIter := v.debt, v.td.Iteration
	defer func() { v.debt, v.td.Iteration = outerDebt, outerIter }()
	// The loop's own intended start: a loop that starts late inside a
	// late iteration inherits that lateness.
	start := time.Now().Add(-outerDebt)
	var end time.Time
	if l.duration > 0 {
		end = start.Add(l.duration)
	}
	first := start // iteration 0's intended time
	if l.rate > 0 && !l.aligned {
		first = start.Add(time.Duration(v.rng.Float64() * float64(time.Second) / l.rate))
	}
	for k := 0; l.count <= 0 || k < l.count; k++ {
		now := time.Now()
		if !end.IsZero() && !now.Before(end) {
			v.dropDue(l, first, end, k)
			return true
		}
		if l.rate > 0 {
			intended := first.Add(iterationOffset(k, l.rate))
			if !end.IsZero() && !intended.Before(end) {
				return true // the next iteration is due after the loop's end
			}
			if intended.After(now) {
				if v.sleep(ctx, intended, nil) == wokeDone {
					return false // not behind: nothing was due and skipped
				}
				now = time.Now()
				if !v.relost { // a reconnection's time is not the generator's lag
					v.p.m.recordLag(intended, now)
				}
			}
			v.p.m.starts.Inc()
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
			if !end.IsZero() && end.Before(until) {
				until = end
			}
			v.dropDue(l, first, until, k+1)
			return false
		}
	}
	return true
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
