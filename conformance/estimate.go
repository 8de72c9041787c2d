package conformance

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
)

// wait is how long a case waits on the target's timers: so many
// pingIntervals and pingTimeouts, half session timeouts (SESS-3's reaper,
// known only with --session-timeout), and a fixed time for the timers
// PROTOCOL.md fixes (CHAT-4's 3 s usage reaper). At the default 25 s / 20 s
// the ping waits are the run's time; most other cases take well under a
// second.
type wait struct {
	intervals, timeouts, halfSessions int
	fixed                             time.Duration
}

// waits lists the cases that wait on timers, by ID or by an ID whose
// transport variants ("/websocket", "/polling") all wait the same. Measured
// against the refserver at 25 s / 20 s and at 300 ms / 200 ms with a 5 s
// session timeout (issue 11); TestWaitsKnown keeps every key the ID of a
// case.
var waits = map[string]wait{
	"EIO-1/polling":            {intervals: 1}, // waits for a ping to see the session live
	"EIO-1/websocket":          {intervals: 1},
	"EIO-3/timed-out-sid":      {intervals: 1, timeouts: 1},
	"EIO-5/websocket":          {intervals: 1, timeouts: 1},
	"EIO-5/polling":            {intervals: 1, timeouts: 1},
	"EIO-5/other-packets":      {intervals: 1, timeouts: 1},
	"EIO-5/pong-keeps":         {intervals: 3}, // three pings in a row: the longest at 25 s
	"EIO-6/first-ping-timing":  {intervals: 1},
	"EIO-6/pong-timer-polling": {intervals: 1, timeouts: 1},
	"EIO-7/types":              {intervals: 1},
	"EIO-14/both":              {intervals: 1},
	"ECHO-1/no-early-packets":  {intervals: 1},
	"ECHO-6/pings-go-on":       {intervals: 1},
	"SESS-2/recreate":          {halfSessions: 4},
	"SESS-3/reaped":            {halfSessions: 4},
	"SESS-3/kept":              {halfSessions: 5},
	"CHAT-4/reaped":            {fixed: 6 * time.Second},
}

// Timers are the target's settings an estimate depends on.
type Timers struct {
	PingInterval, PingTimeout time.Duration
	SessionTimeout            time.Duration // zero: unknown, the cases that need it skip
}

func (w wait) at(t Timers) time.Duration {
	return time.Duration(w.intervals)*t.PingInterval + time.Duration(w.timeouts)*t.PingTimeout +
		time.Duration(w.halfSessions)*t.SessionTimeout/2 + w.fixed
}

// roundTime is about how long a round of cases that do not wait for pings
// takes (one case per parallel slot), measured against the refserver.
const roundTime = 250 * time.Millisecond

// The ping settings the hint suggests: the refserver's --lab.
const (
	fastPingInterval = 300 * time.Millisecond
	fastPingTimeout  = 200 * time.Millisecond
)

// slowRun is when the estimate is long enough to suggest the fast settings.
const slowRun = 30 * time.Second

func waitOf(id string) (wait, bool) {
	for key, w := range waits {
		if id == key || strings.HasPrefix(id, key+"/") {
			return w, true
		}
	}
	return wait{}, false
}

// Estimate is about how long the cases take against a target with these
// timers, parallel cases at a time: the longest timer wait, or the rounds of
// quick cases if those take longer. It also returns the longest wait that
// is for pings alone.
func Estimate(cases []check.Case, t Timers, parallel int) (total, pings time.Duration) {
	var longest time.Duration
	for _, c := range cases {
		if w, ok := waitOf(c.ID); ok {
			longest = max(longest, w.at(t))
			pings = max(pings, wait{intervals: w.intervals, timeouts: w.timeouts}.at(t))
		}
	}
	rounds := (len(cases) + parallel - 1) / max(parallel, 1)
	return max(longest, time.Duration(rounds)*roundTime) + 500*time.Millisecond, pings
}

// announce writes, before the cases run, how long they will take at the
// target's ping settings and, when that is long because of the pings, the
// settings that make it short.
func announce(w io.Writer, t *check.Target, cases []check.Case, parallel int) {
	if t.PingInterval <= 0 {
		fmt.Fprintf(w, "stampede check: %d cases; the target announced no pingInterval, so no estimate of the time\n", len(cases))
		return
	}
	timers := Timers{PingInterval: t.PingInterval, PingTimeout: t.PingTimeout, SessionTimeout: t.SessionTimeout}
	total, pings := Estimate(cases, timers, parallel)
	settings := fmt.Sprintf("pingInterval %s, pingTimeout %s", t.PingInterval, t.PingTimeout)
	if t.SessionTimeout > 0 {
		settings += ", session timeout " + t.SessionTimeout.String()
	}
	fmt.Fprintf(w, "stampede check: %d cases, about %s at the target's settings (%s)\n", len(cases), roughly(total), settings)
	if total <= slowRun || pings < total-time.Second {
		return
	}
	timers.PingInterval, timers.PingTimeout = fastPingInterval, fastPingTimeout
	fast, _ := Estimate(cases, timers, parallel)
	fmt.Fprintf(w, "stampede check: the target pings every %s: cases that wait for pings take ~%s; "+
		"a server started with --ping-interval %s --ping-timeout %s (stampede serve --lab, or your server's equivalent) checks in ~%s\n",
		t.PingInterval, roughly(pings), fastPingInterval, fastPingTimeout, roughly(fast))
}

// roughly is a duration as a person reads an estimate: "75s", "4s".
func roughly(d time.Duration) string {
	return fmt.Sprintf("%ds", max(1, int(d.Round(time.Second)/time.Second)))
}
