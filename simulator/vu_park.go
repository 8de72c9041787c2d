package simulator

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Parking: a virtual client whose flow is only waiting at its top level (a
// listen, a think, or the hold after its last step) needs no goroutine of
// its own. Its goroutine costs at least 4 KiB of stack (the runtime does not
// shrink a stack below 4 KiB once it has grown, and starts new goroutines
// at the average size), more than everything else the idle client holds. So
// a parked client keeps three wake-ups instead, each of which runs in a
// goroutine of its own when it fires: its context's end (context.AfterFunc),
// its connection's loss (client.Socket.AfterDisconnect) and, for a wait
// that ends, a runtime timer (time.AfterFunc). The first to fire cancels the
// others and carries the client on from where it stopped: it reconnects
// after a loss (CLIENT-3) and parks again, goes on with the next step, or
// closes the client. A top-level rate loop parks between its iterations
// too (issue 16: a population doing one emit a second each is parked most
// of the time, and a goroutine per client was 4-8 KiB of its memory): its
// state is a loopRun, which the wake-up goes on with. Other waits inside a
// loop are not parked: their state lives on the goroutine's stack.
//
// A client parks only when its StartFunc may return before the client has
// finished (schedule.Start.Detach: the executors allow it); Env.StartVU
// called without that blocks as before.

// parkHold is parking.next for the hold after the flow's last step: unlike a
// step's wait, it ends when the connection is lost for good.
const parkHold = -1

// parking is one parked wait.
type parking struct {
	v     *vu
	ctx   context.Context
	until time.Time // when the wait ends; forever: never
	next  int       // the top-level step to go on with, or parkHold
	loop  *loopRun  // the top-level rate loop waiting for its next iteration (then next is its index), or nil

	woke atomic.Bool
	mu   sync.Mutex // held while the wake-ups are registered
	stop [3]func() bool
}

// park parks the client until until (a step's wait; next is the step to go
// on with) or, with next parkHold, for as long as it stays connected. It
// reports false, and changes nothing, when the client may not park: the
// caller waits on its goroutine instead. Once it reports true, the caller's
// goroutine must not touch the client again.
func (v *vu) park(ctx context.Context, until time.Time, next int) bool {
	return v.parkWith(ctx, until, next, nil)
}

// parkLoop parks the top-level rate loop lr, the flow's step top, until its
// next iteration's intended time; like park it reports false when the
// client may not park.
func (v *vu) parkLoop(ctx context.Context, until time.Time, lr *loopRun, top int) bool {
	v.relost = false
	return v.parkWith(ctx, until, top, lr)
}

func (v *vu) parkWith(ctx context.Context, until time.Time, next int, lr *loopRun) bool {
	if v.gate.Load() != nil {
		return false // vanished: sleep's rules apply (no loss noticed)
	}
	if v.finished == nil {
		if v.finished = v.start.Detach(); v.finished == nil {
			return false
		}
	}
	pk := &parking{v: v, ctx: ctx, until: until, next: next, loop: lr}
	pk.mu.Lock()
	defer pk.mu.Unlock() // a wake-up that fires at once waits for the others' registration
	if !until.Equal(forever) {
		pk.stop[0] = time.AfterFunc(time.Until(until), func() { pk.wake(wokeTime) }).Stop
	}
	if v.state == stateUp {
		pk.stop[1] = v.sock.AfterDisconnect(func() { pk.wake(wokeLost) })
	}
	pk.stop[2] = context.AfterFunc(ctx, func() { pk.wake(wokeDone) })
	return true
}

// wokeLost is why a parked client woke when its connection was lost.
const wokeLost = wokeDone + 1

// wake runs in the goroutine of the first wake-up to fire, which becomes
// the client's goroutine; the others do nothing.
func (pk *parking) wake(why wake) {
	if !pk.woke.CompareAndSwap(false, true) {
		return
	}
	pk.mu.Lock()
	stops := pk.stop
	pk.mu.Unlock()
	for _, stop := range stops {
		if stop != nil {
			stop()
		}
	}
	v, ctx := pk.v, pk.ctx
	if ctx.Err() == nil {
		switch why {
		case wokeTime:
			if v.resume(ctx, pk) {
				return
			}
		case wokeLost:
			v.lost(ctx)
			if pk.loop != nil {
				v.relost = true // its time is the server's, not the generator's lag
			}
			keep := pk.next != parkHold || v.state == stateUp
			if ctx.Err() == nil && keep && v.parkWith(ctx, pk.until, pk.next, pk.loop) {
				return
			}
		}
	}
	v.close()
	v.finished()
}

// resume goes on with the flow after a parked wait's time came: the parked
// loop's next iteration, then the steps after it. It reports whether the
// client parked again.
func (v *vu) resume(ctx context.Context, pk *parking) bool {
	next := pk.next
	if lr := pk.loop; lr != nil {
		lr.woke = true
		ok, parked := v.loopFrom(ctx, lr, next)
		if parked {
			return true
		}
		if !ok {
			return false
		}
		next++
	}
	return v.runFrom(ctx, next)
}
