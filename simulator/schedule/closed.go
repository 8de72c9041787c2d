package schedule

import (
	"context"
	"time"

	"github.com/stampede-sio/stampede/scenarios"
)

// ramp is the closed model's linear ramp from From to To over Duration.
type ramp struct{ scenarios.Phase }

func (r ramp) run(ctx context.Context, pop *Population, start time.Time) (time.Time, error) {
	end := start.Add(r.Duration)
	if short := r.From - pop.size(); short > 0 {
		if err := pop.burst(ctx, short, scenarios.DefaultMaxInFlight); err != nil {
			return end, err
		}
	}
	steps := r.To - r.From
	for level := max(pop.size(), r.From); level < r.To; level++ {
		at := start.Add(fraction(r.Duration, level-r.From, steps))
		if err := SleepUntil(ctx, at); err != nil {
			return end, err
		}
		pop.scheduled(pop.allocate(1), at, nil)
	}
	return end, SleepUntil(ctx, end)
}

// constant sets the population at its start and holds it for Duration.
type constant struct{ scenarios.Phase }

func (c constant) run(ctx context.Context, pop *Population, start time.Time) (time.Time, error) {
	end := start.Add(c.Duration)
	switch n := pop.size(); {
	case c.Population == 0: // keep the current population
	case c.Population > n:
		if err := pop.burst(ctx, c.Population-n, scenarios.DefaultMaxInFlight); err != nil {
			return end, err
		}
	case c.Population < n:
		pop.stopNewest(n - c.Population)
	}
	return end, SleepUntil(ctx, end)
}

// hold starts no one for Duration.
type hold struct{ scenarios.Phase }

func (h hold) run(ctx context.Context, _ *Population, start time.Time) (time.Time, error) {
	end := start.Add(h.Duration)
	return end, SleepUntil(ctx, end)
}
