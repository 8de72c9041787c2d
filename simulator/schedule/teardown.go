package schedule

import (
	"context"
	"maps"
	"slices"
	"time"
)

// teardown stops this process's running clients one after the other,
// spread uniformly over d: the i-th of n (by index) at start + d·i/n, so
// that the target sees the end of the run as a steady trickle of
// disconnects rather than a storm (scenarios.Scenario.Teardown). One
// goroutine and one timer at a time, whatever the number of clients. It
// returns once every client it found has been told to stop, or when ctx
// is done (the caller then stops the rest at once). With several
// processes (segments) each spreads its own clients over the same d, so
// together they are spread as well.
func (p *Population) Teardown(ctx context.Context, d time.Duration) {
	p.mu.Lock()
	indexes := slices.Sorted(maps.Keys(p.running))
	p.mu.Unlock()
	start := time.Now()
	for i, index := range indexes {
		if d > 0 && SleepUntil(ctx, start.Add(fraction(d, i, len(indexes)))) != nil {
			return
		}
		p.mu.Lock()
		cancel := p.running[index]
		p.mu.Unlock()
		if cancel != nil { // not finished on its own meanwhile
			cancel()
		}
	}
}
