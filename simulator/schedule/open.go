package schedule

import (
	"context"
	"math"
	"time"

	"github.com/stampede-sio/stampede/scenarios"
)

// arrival is the open model: Rate new clients a second for Duration, each
// at its intended time whatever the server does.
//
// The delay and drop policy: client k is intended at start + k/Rate. The
// generator starts it then, or as soon as it can: when the scheduler woke
// late, or when every dial slot is taken (at most Config.MaxConnecting
// arrival clients of a process connect at once, so that a stalled server
// cannot pile up sockets past the file limit), the start waits. A start
// that happens more than DelayTolerance after its intended time counts in
// starts_delayed; every start records its lateness in the lag timer, and
// the client measures its latencies from the intended time. A start still
// waiting MaxLag (1s) after its intended time is dropped: counted in
// starts_dropped, never made, its index skipped. Later starts keep their
// own intended times, so a generator that catches up is on time again.
type arrival struct{ scenarios.Phase }

func (a arrival) run(ctx context.Context, pop *Population, start time.Time) (time.Time, error) {
	end := start.Add(a.Duration)
	n := arrivals(a.Rate, a.Duration)
	first := pop.allocate(n)
	release := func() { <-pop.connecting }
	for k := range n {
		index := first + k
		if !pop.owns(index) {
			continue
		}
		at := start.Add(arrivalOffset(k, a.Rate))
		if err := SleepUntil(ctx, at); err != nil {
			return end, err
		}
		ok, err := acquire(ctx, pop.connecting, at.Add(MaxLag))
		if err != nil {
			return end, err
		}
		if !ok {
			pop.dropped.Inc()
			continue
		}
		pop.scheduled(index, at, release)
	}
	return end, SleepUntil(ctx, end)
}

// arrivals is how many clients an arrival phase starts: every k ≥ 0 with
// k/rate < d.
func arrivals(rate float64, d time.Duration) int {
	if rate <= 0 || d <= 0 {
		return 0
	}
	return int(math.Ceil(rate*d.Seconds() - 1e-9))
}

// arrivalOffset is when arrival k is intended, from the phase's start.
func arrivalOffset(k int, rate float64) time.Duration {
	return time.Duration(float64(k) * float64(time.Second) / rate)
}

// acquire takes a slot, waiting until deadline at most; it reports false
// when none was free in time (or deadline had already passed).
func acquire(ctx context.Context, slots chan struct{}, deadline time.Time) (bool, error) {
	wait := time.Until(deadline)
	if wait < 0 {
		return false, nil
	}
	select {
	case slots <- struct{}{}:
		return true, nil
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case slots <- struct{}{}:
		return true, nil
	case <-t.C:
		return false, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// spike starts Population clients as fast as MaxInFlight dials at a time
// allow (⌈MaxInFlight/N⌉ in each of N segments). It lasts Duration, or
// until its last client has started when that takes longer.
type spike struct{ scenarios.Phase }

func (s spike) run(ctx context.Context, pop *Population, start time.Time) (time.Time, error) {
	end := start.Add(s.Duration)
	inFlight := s.MaxInFlight
	if inFlight <= 0 {
		inFlight = scenarios.DefaultMaxInFlight
	}
	if err := pop.burst(ctx, s.Population, inFlight); err != nil {
		return end, err
	}
	if now := time.Now(); now.After(end) {
		end = now
	}
	return end, SleepUntil(ctx, end)
}
