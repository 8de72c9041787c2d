package engine

import (
	"context"
	"time"
)

// Requests of one session are answered as if handled in the order the
// client sent them (EIO-8). A client's GET, its POST and its websocket
// reach the server on different connections and are handled on different
// goroutines, so the server cannot see that order; it can only refuse to
// decide before the requests a client may have sent just before have had
// time to land. socket.io's official test suites send these sequences
// back to back, and the answers here are the ones they expect every time.

// probeGrace is how long a polling request that reaches a session during
// an upgrade (from the 101 of its websocket on) waits for the upgrade to
// complete: the client may have sent `5` before it, and the server reads
// `5` from the websocket on another goroutine (EIO-9). Node answers a GET
// that arrives after the probe from a 100 ms timer.
const probeGrace = 100 * time.Millisecond

// closeGrace is how long the POST `1` that closed a session with no GET
// pending waits for a GET before it is answered: a GET the client sent just
// before the POST may reach the server just after it, and gets `6`, not 400
// (EIO-8). A GET sent after the POST's answer finds the session gone.
const closeGrace = 250 * time.Millisecond

// racyTimerLag is how late the racy-ping-timeout fault's timer runs.
const racyTimerLag = 25 * time.Millisecond

// racyLag is how late the racy-upgrade fault reads `5` and the
// racy-post-close fault reaches a GET: the goroutine that loses the race
// does so every time, so that the race cases fail against these faults
// on any machine, not only when the scheduler happens to reorder.
const racyLag = 25 * time.Millisecond

// probeAnswered marks the upgrade's probe as answered. A GET pending now
// gets a noop at once, so that the client may send `5`; with none pending
// nothing is queued (a GET that comes next waits in awaitUpgrade, then gets
// a noop from noopDuringProbe).
func (s *Session) probeAnswered() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.probed = true
	if s.getActive || s.srv.cfg.RacyUpgrade {
		s.queue = append(s.queue, noopFrame)
		s.wakePoll()
	}
}

// endProbe wakes the requests waiting in awaitUpgrade: the upgrade
// completed or failed. Call it with s.mu held.
func (s *Session) endProbe() {
	s.probed = false
	if s.probeEnd != nil {
		close(s.probeEnd)
		s.probeEnd = nil
	}
}

// awaitUpgrade holds a polling request that reached the session during an
// upgrade until the upgrade completes, fails, or probeGrace passes. When
// the session is on websocket after it, the request was sent after `5` and
// is answered 400 (EIO-9).
func (s *Session) awaitUpgrade(ctx context.Context) {
	s.mu.Lock()
	end := s.probeEnd
	s.mu.Unlock()
	if end != nil && !s.srv.cfg.RacyUpgrade {
		timer := time.NewTimer(probeGrace)
		select {
		case <-end:
		case <-timer.C:
		case <-ctx.Done():
		}
		timer.Stop()
	}
}

// noopDuringProbe lets a GET that waited out probeGrace return a noop, as
// the pending GET of EIO-9 does: the client that sent it waits for it
// before it sends `5`. Call it with s.mu held.
func (s *Session) noopDuringProbe() {
	if s.probed && len(s.queue) == 0 && !s.closed {
		s.queue = append(s.queue, noopFrame)
	}
}

// lingerClosed ends a session that the client closed with no GET pending,
// on the POST that closed it: it first waits up to closeGrace for a GET to
// take the noop queued for it (EIO-8), so the POST's answer comes after.
func (s *Session) lingerClosed(ctx context.Context) {
	if !s.srv.cfg.RacyPostClose {
		timer := time.NewTimer(closeGrace)
		select {
		case <-s.Done(): // a GET took the noop and ended the session
		case <-timer.C:
		case <-ctx.Done():
		}
		timer.Stop()
	}
	s.finalize()
}

// overdueLocked reports whether the session's ping has gone unanswered past
// its deadline, pingTimeout after the ping was due, even when the timer
// that closes the session has not run yet: a GET that reaches a session at
// pingInterval + pingTimeout finds it closed, never takes the ping (EIO-5).
// Call it with s.mu held.
func (s *Session) overdueLocked(now time.Duration) bool {
	cfg := s.srv.cfg
	if s.reason == ErrPingTimeout {
		return true
	}
	if cfg.NoPing || cfg.LazyPongTimer || cfg.RacyPingTimeout || s.nextAt == 0 || s.closed {
		return false
	}
	due := s.nextAt // the next ping, none outstanding
	if s.pongDue {
		due = s.pingAt
	}
	return now >= due+cfg.PingTimeout
}
