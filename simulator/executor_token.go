package simulator

import "context"

// startTokenKey is the context key of a client's dial slot.
type startTokenKey struct{}

// WithStartToken returns a copy of ctx carrying release, the dial slot an
// executor holds for the client it starts: spike phases (and the bursts of
// ramp and constant) let at most max_in_flight clients connect at once, and
// arrival phases at most RunConfig.MaxConnecting. The executor passes the
// result to the StartFunc, which calls StartDone when the client's first
// connection attempt has completed. release must be safe to call more than
// once (the executors pass a sync.OnceFunc).
func WithStartToken(ctx context.Context, release func()) context.Context {
	return context.WithValue(ctx, startTokenKey{}, release)
}

// StartDone frees the dial slot ctx carries, if any: a StartFunc calls it
// once its first connection attempt has completed, connected or failed, so
// that the next client may dial. Calling it again, or with a context that
// carries no slot, does nothing. A StartFunc that never calls it holds its
// slot until it returns, when the executor frees it.
func StartDone(ctx context.Context) {
	if release, ok := ctx.Value(startTokenKey{}).(func()); ok {
		release()
	}
}
