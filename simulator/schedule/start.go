package schedule

import (
	"context"
	"sync/atomic"
	"time"
)

// StartFunc starts one virtual client, described by s; it returns when the
// client has finished or ctx is done, or earlier when it detached the
// client (Start.Detach). The executors call each start in a goroutine of
// their own (reused from an earlier start that has returned), with a ctx
// that a constant phase, the teardown or the end of the run cancels.
type StartFunc func(ctx context.Context, s *Start)

// Start is an executor's handle on one client it starts: which client,
// when it was meant to start, its dial slot and how it hands its end over.
// Index and Intended are read-only; Connected and Detach are for the
// StartFunc and the client it runs. A nil *Start has no slot and cannot
// detach.
//
// The dial-slot contract: an executor that bounds how many clients connect
// at once (spike's max_in_flight, and the bursts of ramp and constant;
// arrival's Config.MaxConnecting) holds a slot for the client; the
// StartFunc calls Connected as soon as its first connection attempt has
// completed, connected or not, so that the next client may dial. A
// StartFunc that never calls it holds its slot until it returns.
type Start struct {
	// Index is the client's global index in the run (see Segment).
	Index int
	// Intended is when the executor's schedule meant the client to start,
	// for latencies free of coordinated omission; the executor records the
	// start's lateness (intended → call) in the lag timer itself.
	Intended time.Time

	release  func() // the dial slot, safe to call more than once; nil: none
	finished func() // nil: the StartFunc may not detach
	detached atomic.Bool
}

// NewStart is the handle of client index for a caller that runs a
// StartFunc itself, outside the executors (tests, benchmarks): release
// (nil: none) is its dial slot and must be safe to call more than once;
// finished (nil: the client may not detach) is what Detach hands over and
// must not block. After the StartFunc returns, the caller calls finished
// itself unless Detached.
func NewStart(index int, intended time.Time, release, finished func()) *Start {
	return &Start{Index: index, Intended: intended, release: release, finished: finished}
}

// Connected frees the client's dial slot, if it has one: the StartFunc
// calls it once its first connection attempt has completed. Calling it
// again does nothing.
func (s *Start) Connected() {
	if s != nil && s.release != nil {
		s.release()
	}
}

// Detach lets the StartFunc return while its client goes on (a virtual
// client that only holds its connection gives its goroutine back): it
// returns the function the client must call once when it has finished, or
// nil when the executor does not allow it or the client has detached
// already; then the StartFunc must not return before its client has
// finished.
func (s *Start) Detach() (finished func()) {
	if s == nil || s.finished == nil || !s.detached.CompareAndSwap(false, true) {
		return nil
	}
	return s.finished
}

// Detached reports whether the client detached (Detach): its end is then
// the client's to report, not the StartFunc's return.
func (s *Start) Detached() bool { return s != nil && s.detached.Load() }
