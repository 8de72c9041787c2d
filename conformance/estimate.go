package conformance

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
)

// pingWait is how long a case waits for the target's heartbeat: so many
// pingIntervals and pingTimeouts. At the default 25 s / 20 s these waits
// are the run's time; every other case takes well under a second.
type pingWait struct{ intervals, timeouts int }

// pingWaits lists the cases that wait for pings, by ID or by an ID whose
// transport variants ("/websocket", "/polling") all wait the same. Measured
// against the refserver at 25 s / 20 s (issue 11); TestPingWaitsKnown keeps
// every key the ID of a case.
var pingWaits = map[string]pingWait{
	"EIO-1/websocket":         {1, 0}, // waits for a ping to see the session live
	"EIO-5/websocket":         {1, 1},
	"EIO-5/polling":           {1, 1},
	"EIO-5/other-packets":     {1, 1},
	"EIO-5/pong-keeps":        {3, 0}, // three pings in a row: the longest case
	"EIO-6/first-ping-timing": {1, 0},
	"EIO-7/types":             {1, 0},
	"ECHO-1/no-early-packets": {1, 0},
	"ECHO-6/pings-go-on":      {1, 0},
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

func waitOf(id string) (pingWait, bool) {
	for key, w := range pingWaits {
		if id == key || strings.HasPrefix(id, key+"/") {
			return w, true
		}
	}
	return pingWait{}, false
}

// Estimate is about how long the cases take against a target that pings
// every pi and gives up pt after a ping, parallel cases at a time: the
// longest heartbeat wait, or the rounds of quick cases if those take longer.
// It also returns the part that is heartbeat waits.
func Estimate(cases []check.Case, pi, pt time.Duration, parallel int) (total, pings time.Duration) {
	for _, c := range cases {
		if w, ok := waitOf(c.ID); ok {
			pings = max(pings, time.Duration(w.intervals)*pi+time.Duration(w.timeouts)*pt)
		}
	}
	rounds := (len(cases) + parallel - 1) / max(parallel, 1)
	return max(pings, time.Duration(rounds)*roundTime) + 500*time.Millisecond, pings
}

// announce writes, before the cases run, how long they will take at the
// target's ping settings and, when that is long because of the pings, the
// settings that make it short.
func announce(w io.Writer, t *check.Target, cases []check.Case, parallel int) {
	if t.PingInterval <= 0 {
		fmt.Fprintf(w, "stampede check: %d cases; the target announced no pingInterval, so no estimate of the time\n", len(cases))
		return
	}
	total, pings := Estimate(cases, t.PingInterval, t.PingTimeout, parallel)
	fmt.Fprintf(w, "stampede check: %d cases, about %s at the target's ping settings (pingInterval %s, pingTimeout %s)\n",
		len(cases), roughly(total), t.PingInterval, t.PingTimeout)
	if total <= slowRun || pings < total-time.Second {
		return
	}
	fast, _ := Estimate(cases, fastPingInterval, fastPingTimeout, parallel)
	fmt.Fprintf(w, "stampede check: the target pings every %s: cases that wait for pings take ~%s; "+
		"a server started with --ping-interval %s --ping-timeout %s (stampede serve --lab, or your server's equivalent) checks in ~%s\n",
		t.PingInterval, roughly(pings), fastPingInterval, fastPingTimeout, roughly(fast))
}

// roughly is a duration as a person reads an estimate: "75s", "4s".
func roughly(d time.Duration) string {
	return fmt.Sprintf("%ds", max(1, int(d.Round(time.Second)/time.Second)))
}
