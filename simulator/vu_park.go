package simulator

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stampede-sio/stampede/internal/client"
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
	if !v.mayPark() {
		return false
	}
	pk := &parking{v: v, ctx: ctx, until: until, next: next}
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
			if v.runFrom(ctx, pk.next) {
				return
			}
		case wokeLost:
			v.lost(ctx)
			keep := pk.next != parkHold || v.state == stateUp
			if ctx.Err() == nil && keep && v.park(ctx, pk.until, pk.next) {
				return
			}
		}
	}
	v.close()
	v.finished()
}

// mayPark reports whether the client may park now, detaching it from its
// executor the first time.
func (v *vu) mayPark() bool {
	if v.gate.Load() != nil {
		return false // vanished: sleep's rules apply (no loss noticed)
	}
	if v.finished == nil {
		if v.finished = v.start.Detach(); v.finished == nil {
			return false
		}
	}
	return true
}

// loopPark parks a top-level rate loop between its iterations. It is made
// at the loop's first park and kept until the loop ends, so that an
// iteration costs no allocation (a parking per iteration was five, about
// 1.6 MB/s of garbage at 5,000 clients doing one emit a second): its timer
// is re-armed, and the wake-ups for the run's end and the connection's
// loss stay registered across iterations. They can fire while the loop runs
// an iteration rather than waits; parked says which, and only a wake-up
// that finds it set (and clears it) carries the client on. Before parking
// the loop sets parked first and then looks for an end or a loss that came
// while it ran, so none is missed.
type loopPark struct {
	v   *vu
	ctx context.Context
	lr  *loopRun
	top int // the loop's index among the flow's top-level steps

	parked   atomic.Bool
	timer    *time.Timer
	stopDone func() bool
	sock     atomic.Pointer[client.Socket] // the socket whose loss is registered
	stopLost func() bool
}

// parkLoop parks the top-level rate loop lr, the flow's step top, until its
// next iteration's intended time. Like park it reports false, having
// changed nothing, when the client may not park; once it reports true the
// caller's goroutine must not touch the client again.
func (v *vu) parkLoop(ctx context.Context, until time.Time, lr *loopRun, top int) bool {
	if !v.mayPark() || ctx.Err() != nil {
		return false
	}
	lp := lr.park
	if lp == nil {
		lp = &loopPark{v: v, ctx: ctx, lr: lr, top: top}
		lp.timer = time.AfterFunc(time.Until(until), func() { lp.wake(wokeTime) })
		lp.timer.Stop() // armed below, once parked
		lp.stopDone = context.AfterFunc(ctx, func() { lp.wake(wokeDone) })
		lr.park = lp
	}
	if v.state == stateUp && lp.sock.Load() != v.sock {
		if lp.stopLost != nil {
			lp.stopLost()
		}
		sock := v.sock
		lp.sock.Store(sock)
		lp.stopLost = sock.AfterDisconnect(func() {
			if lp.sock.Load() == sock { // not a socket the loop has since replaced
				lp.wake(wokeLost)
			}
		})
	}
	v.relost = false
	var lostCh <-chan struct{}
	if v.state == stateUp {
		lostCh = v.sock.Disconnected()
	}
	// From here on a wake-up may own the client: touch only lp and locals.
	lp.parked.Store(true)
	lost := false
	select {
	case <-lostCh:
		lost = true
	default:
	}
	if ctx.Err() != nil || lost { // came while the iteration ran
		if lp.parked.CompareAndSwap(true, false) {
			return false // the caller's sleep sees it
		}
		return true // a wake-up took it meanwhile
	}
	// A wake-up that took the client meanwhile may have stopped the timer
	// before this arms it: the spurious wake-up then finds the loop not
	// parked, or parked again and early, and loopFrom parks once more.
	lp.timer.Reset(time.Until(until))
	return true
}

// wake runs in the goroutine of a wake-up; it carries the client on when
// the loop was parked.
func (lp *loopPark) wake(why wake) {
	if !lp.parked.CompareAndSwap(true, false) {
		return // the loop is running an iteration: it sees the end or the loss itself
	}
	if why != wokeTime {
		lp.timer.Stop()
	}
	v, ctx, lr := lp.v, lp.ctx, lp.lr
	if ctx.Err() == nil {
		if why == wokeLost {
			v.lost(ctx)
			v.relost = true // its time is the server's, not the generator's lag
		} else {
			lr.woke = true
		}
		ok, parked := v.loopFrom(ctx, lr, lp.top)
		if parked {
			return
		}
		if ok && v.runFrom(ctx, lp.top+1) {
			return
		}
	}
	lp.release()
	v.close()
	v.finished()
}

// release unregisters the loop's wake-ups; the loop has ended.
func (lp *loopPark) release() {
	lp.timer.Stop()
	lp.stopDone()
	if lp.stopLost != nil {
		lp.stopLost()
	}
	lp.sock.Store(nil)
}
