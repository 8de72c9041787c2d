package simulator

import (
	"context"
	"sync/atomic"
)

// startTokenKey is the context key of a client's startSlot.
type startTokenKey struct{}

// startSlot is what an executor puts in a client's context: its dial slot
// and, when the executor allows it, how the client says it has finished
// after its StartFunc returned (Detach). One value for both, so that a
// client's context costs one link.
type startSlot struct {
	release  func() // the dial slot; nil: none
	finished func() // nil: the StartFunc may not detach
	detached atomic.Bool
}

// WithStartToken returns a copy of ctx carrying release, the dial slot an
// executor holds for the client it starts: spike phases (and the bursts of
// ramp and constant) let at most max_in_flight clients connect at once, and
// arrival phases at most RunConfig.MaxConnecting. The executor passes the
// result to the StartFunc, which calls StartDone when the client's first
// connection attempt has completed. release must be safe to call more than
// once (the executors pass a sync.OnceFunc).
func WithStartToken(ctx context.Context, release func()) context.Context {
	return context.WithValue(ctx, startTokenKey{}, &startSlot{release: release})
}

// WithDetach is WithStartToken (release may be nil) for an executor that
// lets the StartFunc return before its client has finished: a StartFunc
// that calls Detach(ctx) hands the client's end over to the client itself,
// which calls finished once, when it has finished; finished must not block.
// A StartFunc that does not detach has finished when it returns, as always.
func WithDetach(ctx context.Context, release, finished func()) context.Context {
	return context.WithValue(ctx, startTokenKey{}, &startSlot{release: release, finished: finished})
}

// StartDone frees the dial slot ctx carries, if any: a StartFunc calls it
// once its first connection attempt has completed, connected or failed, so
// that the next client may dial. Calling it again, or with a context that
// carries no slot, does nothing. A StartFunc that never calls it holds its
// slot until it returns, when the executor frees it.
func StartDone(ctx context.Context) {
	if s, ok := ctx.Value(startTokenKey{}).(*startSlot); ok && s.release != nil {
		s.release()
	}
}

// Detach lets the StartFunc running with ctx return while its client goes
// on (a virtual client that only holds its connection gives its goroutine
// back): it returns the function the client must call once when it has
// finished, or nil when ctx's executor does not allow it (WithDetach) or
// the client has detached already; then the StartFunc must not return
// before its client has finished.
func Detach(ctx context.Context) (finished func()) {
	s, ok := ctx.Value(startTokenKey{}).(*startSlot)
	if !ok || s.finished == nil || !s.detached.CompareAndSwap(false, true) {
		return nil
	}
	return s.finished
}

// detached reports whether the StartFunc of ctx called Detach.
func detached(ctx context.Context) bool {
	s, ok := ctx.Value(startTokenKey{}).(*startSlot)
	return ok && s.detached.Load()
}
