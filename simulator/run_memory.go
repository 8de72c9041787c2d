package simulator

import (
	"runtime/debug"

	"github.com/stampede-sio/stampede/reports"
)

// holdGCPercent is the Go GC target (GOGC) of a run's process while its
// clients only hold their connections; while they connect it keeps its own
// (Go's default is 100).
//
// While clients only hold their connections the allocation rate is low
// (heartbeats, pings), so a low target costs little CPU (a GC every several
// seconds at most) and keeps the process near its live heap: at 100 it
// holds up to twice the live heap. At 50,000 clients (bench/capacity.sh)
// 10 instead of 25 took 0.2-0.3 KiB per client off the simulator's RSS.
//
// A higher target while clients connect saves GC CPU but costs more than it
// saves: each connect's garbage (HTTP upgrade, JSON, /api/version) lands
// between the long-lived objects of the clients connecting, and the spans
// that hold both stay in use after the ramp. With 200 during the ramp the
// same run ended at 12.2 KiB per client, with 100 at 11.0, at the same
// 5,000 connects/s.
const holdGCPercent = 10

// gcTuner is Run's hold on its process's GC target. Once a second passes
// with clients connected and none connecting (two in a row: one may be a
// pause within a ramp), it switches to holdGCPercent and returns the ramp's
// unused memory to the OS (debug.FreeOSMemory); clients connecting again,
// or restore, put the process's own setting back. A GOGC of off is left
// alone. A run process is a load generator: nothing else in it shares the
// setting while Run runs.
type gcTuner struct {
	orig  int  // the process's own setting, while hold
	hold  bool // in the hold setting
	quiet bool // the last second had no connect
}

// observe is called with each second's point of the series.
func (g *gcTuner) observe(p reports.Point) {
	quiet := p.Connects == 0 && p.Connecting == 0
	switch {
	case quiet && g.quiet && !g.hold && p.Clients > 0:
		if g.orig = debug.SetGCPercent(holdGCPercent); g.orig < 0 { // GOGC=off: the user's choice
			debug.SetGCPercent(g.orig)
			break
		}
		g.hold = true
		debug.FreeOSMemory()
	case !quiet && g.hold:
		g.restore()
	}
	g.quiet = quiet
}

// restore puts the process's own setting back.
func (g *gcTuner) restore() {
	if g.hold {
		debug.SetGCPercent(g.orig)
		g.hold = false
	}
}
