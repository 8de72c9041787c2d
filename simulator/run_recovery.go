package simulator

import (
	"sync"
	"time"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/simulator/metrics"
)

// stormGap is how far apart two clients' losses may be to belong to one
// storm: a server that drops everyone (or dies) cuts its connections
// within a moment, and clients see it within their ping timeout's spread.
const stormGap = time.Second

// recoveries measures the recovery metric: after a storm of lost
// connections, the time from the first loss until the last of the storm's
// clients is connected again. Clients report each recovery (Env.OnRecovered)
// with when they saw the loss; losses chained less than stormGap apart make
// one storm. A storm is recorded when the run ends (flush), since only then
// is it known that no more of its clients will come back. With the run
// split over processes, each process records its share of a storm: the
// merged recovery_max is the whole population's.
type recoveries struct {
	timer *metrics.Timer

	mu     sync.Mutex
	storms []storm
}

// storm is the losses from first to last and the latest recovery.
type storm struct{ first, last, restored time.Time }

func newRecoveries(rec *metrics.Recorder) *recoveries {
	return &recoveries{timer: rec.Timer(threshold.MetricRecovery)}
}

// recovered is Env.OnRecovered: client index lost its connection at lost
// and was connected again at restored.
func (r *recoveries) recovered(_ int, lost, restored time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.storms {
		s := &r.storms[i]
		if lost.After(s.first.Add(-stormGap)) && lost.Before(s.last.Add(stormGap)) {
			s.first, s.last = minTime(s.first, lost), maxTime(s.last, lost)
			s.restored = maxTime(s.restored, restored)
			return
		}
	}
	r.storms = append(r.storms, storm{lost, lost, restored})
}

// flush records every storm's recovery time, once the clients are done.
func (r *recoveries) flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.storms {
		r.timer.Record(s.restored.Sub(s.first))
	}
	r.storms = nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
