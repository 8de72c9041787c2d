package simulator

import (
	"runtime/debug"

	"github.com/stampede-sio/stampede/reports"
)

// The Go GC targets (GOGC) of a run's process: rampGCPercent while clients
// connect, holdGCPercent once they only hold their connections.
//
// A connect allocates tens of kilobytes of garbage (HTTP upgrade, JSON,
// JWT, /api/version) that the GC must trace the live population to
// reclaim: at GOGC 100 the GC was ~15% of a connect's CPU on each side, at
// 200 about half that. While clients only hold their connections the
// allocation rate is low (heartbeats, pings), so a low target costs little
// CPU (a GC every few seconds at most) and keeps the process near its live
// heap: with Go's default of 100 it holds up to twice the live heap, and
// after a ramp it keeps the pages the ramp's garbage needed, which at
// 50,000 clients was more memory than the clients themselves.
const (
	rampGCPercent = 200
	holdGCPercent = 25
)

// gcTuner is Run's hold on its process's GC target. Run starts in the ramp
// setting; once a second passes with clients connected and none connecting
// (two in a row: one may be a pause within a ramp), it switches to the hold
// setting and returns the ramp's unused memory to the OS
// (debug.FreeOSMemory); clients connecting again switch it back. restore
// puts the process's own setting back. A GOGC of off is left alone. A run
// process is a load generator: nothing else in it shares the setting while
// Run runs.
type gcTuner struct {
	orig  int  // the setting before Run; gcUntouched: not changed
	hold  bool // in the hold setting
	quiet bool // the last second had no connect
}

// gcUntouched marks a gcTuner that has not changed the setting.
const gcUntouched = -2

// newGCTuner switches to the ramp setting.
func newGCTuner() *gcTuner {
	g := &gcTuner{orig: gcUntouched}
	g.set(rampGCPercent)
	return g
}

func (g *gcTuner) set(percent int) {
	old := debug.SetGCPercent(percent)
	if g.orig == gcUntouched {
		g.orig = old
		if old < 0 { // GOGC=off: the user's choice
			debug.SetGCPercent(old)
		}
	}
	if g.orig < 0 {
		debug.SetGCPercent(g.orig)
	}
}

// observe is called with each second's point of the series.
func (g *gcTuner) observe(p reports.Point) {
	quiet := p.Connects == 0 && p.Connecting == 0
	switch {
	case quiet && g.quiet && !g.hold && p.Clients > 0:
		g.set(holdGCPercent)
		g.hold = true
		debug.FreeOSMemory()
	case !quiet && g.hold:
		g.set(rampGCPercent)
		g.hold = false
	}
	g.quiet = quiet
}

// restore puts the process's own setting back.
func (g *gcTuner) restore() {
	if g.orig != gcUntouched {
		debug.SetGCPercent(g.orig)
		g.orig, g.hold = gcUntouched, false
	}
}
