package webui

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// ReaperStats tell which reapers this instance runs (SESS-5) and how often
// it could not reach the lock.
type ReaperStats struct {
	SessionLockHeld atomic.Bool
	UsageLockHeld   atomic.Bool
	LockErrors      atomic.Uint64
}

// ReaperStats returns the live reaper counters.
func (a *App) ReaperStats() *ReaperStats { return &a.reaperStats }

// reaper calls reap every period until ctx is done. With a lock it first
// wins the lock (SET NX), renews it every half lifetime while it reaps, and
// gives up reaping as soon as a renewal fails (the lock expired or another
// instance holds it); losers retry after a random wait of half to one lock
// lifetime (SESS-5).
func (a *App) reaper(ctx context.Context, name string, lock Locker, period time.Duration, reap func(time.Time)) {
	if lock == nil {
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				reap(now)
			}
		}
	}
	ttl := a.cfg.LockTimeout
	held := &a.reaperStats.SessionLockHeld
	if name == "usage" {
		held = &a.reaperStats.UsageLockHeld
	}
	for ctx.Err() == nil {
		ok, err := lock.Acquire(ctx, ttl)
		if err != nil && ctx.Err() == nil {
			a.reaperStats.LockErrors.Add(1)
			a.log.Warn("reaper lock unavailable", "reaper", name, "err", err)
		}
		if ok {
			held.Store(true)
			a.log.Debug("reaper lock taken", "reaper", name)
			a.holdAndReap(ctx, name, lock, ttl, period, reap)
			held.Store(false)
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			if err := lock.Release(rctx); err != nil {
				a.log.Warn("reaper lock release failed", "reaper", name, "err", err)
			}
			cancel()
		}
		retry := ttl/2 + rand.N(ttl/2+1)
		select {
		case <-ctx.Done():
		case <-time.After(retry):
		}
	}
}

// holdAndReap reaps every period while renewing the lock every half
// lifetime; it returns when ctx is done or the lock is lost.
func (a *App) holdAndReap(ctx context.Context, name string, lock Locker, ttl, period time.Duration, reap func(time.Time)) {
	renewEvery := max(ttl/2, 500*time.Millisecond)
	next := time.Now().Add(period)
	for {
		wait := min(renewEvery, time.Until(next))
		select {
		case <-ctx.Done():
			return
		case <-time.After(max(wait, 0)):
		}
		if now := time.Now(); !now.Before(next) {
			reap(now)
			next = next.Add(period)
			if next.Before(now) {
				next = now.Add(period)
			}
		}
		if a.cfg.Faults.NoLockRenew { // the fault breaks SESS-5: the lock lapses while we reap
			continue
		}
		ok, err := lock.Renew(ctx, ttl)
		if err != nil && ctx.Err() == nil {
			a.reaperStats.LockErrors.Add(1)
			a.log.Warn("reaper lock renewal failed", "reaper", name, "err", err)
		}
		if !ok {
			if ctx.Err() == nil {
				a.log.Warn("reaper lock lost; another instance may reap", "reaper", name)
			}
			return
		}
	}
}
