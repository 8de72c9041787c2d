package simulator

import (
	"errors"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/stampede-sio/stampede/internal/excerpt"
	"github.com/stampede-sio/stampede/reports"
)

// targetHealth tells a target that died mid-run from one that was never
// there or merely slow: it counts the connections the target accepted, and
// notes the first dial it refused or reset after accepting some; a later
// accepted connection clears the note (the target came back).
type targetHealth struct {
	accepted atomic.Int64
	down     atomic.Bool // downAt is set: the hot path reads only this
	mu       sync.Mutex
	downAt   time.Time // zero: not down
	downErr  string
	downN    int64 // accepted before it went down
}

// up notes an accepted connection.
func (h *targetHealth) up() {
	h.accepted.Add(1)
	if h.down.Load() {
		h.mu.Lock()
		h.downAt = time.Time{}
		h.down.Store(false)
		h.mu.Unlock()
	}
}

// failed notes a failed dial: the target is down when it had accepted
// connections and now refuses or resets them.
func (h *targetHealth) failed(err error) {
	n := h.accepted.Load()
	if n == 0 || !(errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)) {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.downAt.IsZero() {
		h.downAt, h.downErr, h.downN = time.Now(), excerpt.Message(err.Error()), n
		h.down.Store(true)
	}
}

// targetsDown lists the targets down when the run ended, for the record.
func (p *plan) targetsDown(start time.Time) []reports.TargetDown {
	var out []reports.TargetDown
	for i, t := range p.targets {
		h := &t.health
		h.mu.Lock()
		if !h.downAt.IsZero() {
			out = append(out, reports.TargetDown{
				Target: p.env.Targets[i].Redacted(), At: h.downAt.Sub(start).Round(100 * time.Millisecond).Seconds(),
				Connections: h.downN, Error: h.downErr,
			})
		}
		h.mu.Unlock()
	}
	return out
}
