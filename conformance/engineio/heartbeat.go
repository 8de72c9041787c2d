package engineio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// EIO-5 and EIO-6: the server pings, the client pongs, a silent client is
// closed. These run on the raw Engine.IO echo, which sends nothing of its
// own before the first ping (ECHO-1). Every wait comes from the session's
// own pingInterval and pingTimeout (see late).

// pingTimings are a session's pingInterval and pingTimeout, or the skip of
// a case that needs them when the OPEN packet left one out.
func pingTimings(info engineio.OpenInfo) (pi, pt time.Duration, err error) {
	switch {
	case info.PingInterval <= 0:
		return 0, 0, missingField("pingInterval")
	case info.PingTimeout <= 0:
		return 0, 0, missingField("pingTimeout")
	}
	pi, pt = timings(info)
	return pi, pt, nil
}

// firstPing waits for the session's first ping: pingInterval after the open.
func firstPing(s session) (packet, error) {
	pi, _, err := pingTimings(s.info())
	if err != nil {
		return packet{}, err
	}
	return nextPing(s, time.Until(s.openedAt().Add(late(pi))), "a ping `2` pingInterval ("+pi.String()+") after the open")
}

// nextPing returns the next ping within d, letting other packets go by.
func nextPing(s session, d time.Duration, expected string) (packet, error) {
	deadline := time.Now().Add(d)
	for {
		p, err := s.recv(time.Until(deadline))
		if err != nil {
			return p, describe(err, expected, d)
		}
		if p.Type == engineio.Ping {
			return p, nil
		}
	}
}

// requireEngine skips the case when the raw echo does not serve tr.
func requireEngine(t *check.T, tr string) {
	if !slices.Contains(engineTransports(t), tr) {
		t.Skip(map[string]string{engineio.TransportPolling: noPolling, engineio.TransportWebsocket: noWebsocket}[tr] + " at its raw Engine.IO path")
	}
}

// silentClosed is EIO-5/websocket and EIO-5/polling: a client that leaves
// a ping unanswered is closed within pingTimeout.
func silentClosed(tr string) func(context.Context, *check.T) {
	return func(_ context.Context, t *check.T) {
		requireEngine(t, tr)
		s, err := newWire(t).open(tr, t.Target.EnginePath)
		must(t, err)
		ping, err := firstPing(s)
		must(t, err)
		_, pt := timings(s.info())
		how, err := awaitClosed(s, time.Until(ping.at.Add(late(pt))), false)
		must(t, err)
		if how == "" {
			t.Failf(fmt.Sprintf("the session closed pingTimeout (%v) after a ping left unanswered", pt),
				"still open %v after the ping", late(pt))
		}
		t.Logf("closed %v after the ping: %s", time.Since(ping.at).Round(time.Millisecond), how)
	}
}

// pongKeeps is EIO-5/pong-keeps: a client that answers every ping stays
// open, and the pings keep coming every pingInterval.
func pongKeeps(_ context.Context, t *check.T) {
	eachSession(t, func(s session) error {
		s.autoPong(true)
		pi, _, err := pingTimings(s.info())
		if err != nil {
			return err
		}
		last := s.openedAt()
		for i := 1; i <= 3; i++ {
			p, err := nextPing(s, late(pi), fmt.Sprintf("ping %d, pingInterval (%v) after the last pong", i, pi))
			if err != nil {
				return err
			}
			if gap := p.at.Sub(last); gap < pi/2 {
				return failf(fmt.Sprintf("a ping every pingInterval (%v)", pi), "ping %d came %v after the one before", i, gap)
			}
			last = p.at
		}
		return echo(s, "4still-open")
	})
}

// otherPackets is EIO-5/other-packets: messages are no pong.
func otherPackets(_ context.Context, t *check.T) {
	eachSession(t, func(s session) error {
		ping, err := firstPing(s)
		if err != nil {
			return err
		}
		_, pt := timings(s.info())
		deadline := ping.at.Add(late(pt))
		tick := max(pt/4, 10*time.Millisecond)
		sent := 0
		for time.Now().Before(deadline) {
			sent++
			var ce *closedError
			if err := s.send(fmt.Sprintf("4keep-%d", sent)); errors.As(err, &ce) {
				return nil // closed
			} else if err != nil {
				return err
			}
			if how, err := awaitClosed(s, min(tick, time.Until(deadline)), false); err != nil || how != "" {
				return err
			}
		}
		return stricterf(fmt.Sprintf("the session closed pingTimeout (%v) after an unanswered ping, though messages kept coming", pt),
			"still open %v after the ping, %d messages later", late(pt), sent)
	})
}

// firstPingTiming is EIO-6/first-ping-timing.
func firstPingTiming(_ context.Context, t *check.T) {
	eachSession(t, func(s session) error {
		p, err := firstPing(s)
		if err != nil {
			return err
		}
		pi, _ := timings(s.info())
		if gap := p.at.Sub(s.openedAt()); gap < pi/2 {
			return failf(fmt.Sprintf("the first ping pingInterval (%v) after the open", pi), "it came %v after the open", gap)
		}
		return nil
	})
}

// clientPing is EIO-6/client-ping: the server closes (Node, the refserver)
// or answers (python); it must not hang.
func clientPing(_ context.Context, t *check.T) {
	eachSession(t, func(s session) error {
		s.autoPong(true)
		const want = "the session closed, or the ping answered with a pong `3`"
		var ce *closedError
		if err := s.send("2"); errors.As(err, &ce) {
			return nil
		} else if err != nil {
			return err
		}
		deadline := time.Now().Add(check.Wait)
		for {
			p, err := s.recv(time.Until(deadline))
			switch {
			case errors.As(err, &ce):
				t.Logf("closed: %s", ce.how)
				return nil
			case err != nil:
				return describe(err, want, check.Wait)
			case p.Type == engineio.Close, p.Type == engineio.Pong:
				return nil
			}
		}
	})
}

// pongTimerPolling is EIO-6/pong-timer-polling: the pong timer starts when
// the ping is queued, even with no GET to carry it.
func pongTimerPolling(_ context.Context, t *check.T) {
	requireEngine(t, engineio.TransportPolling)
	w := newWire(t)
	p, err := w.openPoll(t.Target.EnginePath, nil)
	must(t, err)
	pi, pt, err := pingTimings(p.open)
	must(t, err)
	idle := late(pi + pt)
	t.Logf("no GET for %v", idle)
	select {
	case <-time.After(idle):
	case <-t.Context().Done():
		must(t, w.over())
	}
	want := fmt.Sprintf("the session closed pingInterval + pingTimeout (%v) after the open, though no GET was waiting for the ping", pi+pt)
	r, err := w.request(p.n, http.MethodGet, p.url(), nil, nil, check.Wait)
	if errors.Is(err, errNoAnswer) {
		t.Fail(want, fmt.Sprintf("a GET %v after the open was held: the session was still open", idle))
	}
	must(t, err)
	pkts, err := packets(r)
	var ce *closedError
	if errors.As(err, &ce) {
		return // refused: closed
	}
	must(t, err)
	if slices.ContainsFunc(pkts, func(p packet) bool { return p.Type == engineio.Close }) {
		return
	}
	t.Fail(want, fmt.Sprintf("a GET %v after the open was answered %s: the session was still open", idle, r))
}
