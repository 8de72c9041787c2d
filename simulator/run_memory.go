package simulator

import (
	"runtime/debug"

	"github.com/stampede-sio/stampede/reports"
)

// holdGCPercent is the Go GC target (GOGC) of a run's process while no
// client is connecting.
//
// The heap a virtual client keeps is small (BenchmarkVUMemory), but with
// Go's default GOGC of 100 the process holds up to twice its live heap, and
// after a ramp it keeps the pages the ramp's garbage needed: at 50,000
// clients that was more memory than the clients themselves. While clients
// only hold their connections the allocation rate is low (heartbeats,
// pings), so a low target costs little CPU: a GC every few seconds at most.
// While clients connect, the default target keeps the GC's share of a
// connect small.
const holdGCPercent = 25

// gcTuner is Run's hold on its process's GC target: it lowers it and
// returns the ramp's unused memory to the OS (debug.FreeOSMemory) once a
// second passes with no client connecting, and restores it as soon as
// clients connect again, and when the run ends. A run process is a load
// generator: nothing else in it shares the setting while Run runs.
type gcTuner struct {
	saved int  // the target before Run; -1: not lowered
	quiet bool // the last second had no connect
}

func newGCTuner() *gcTuner { return &gcTuner{saved: -1} }

// observe is called with each second's point of the series.
func (g *gcTuner) observe(p reports.Point) {
	quiet := p.Connects == 0 && p.Connecting == 0
	switch {
	case quiet && g.quiet && g.saved < 0 && p.Clients > 0:
		g.saved = debug.SetGCPercent(holdGCPercent)
		debug.FreeOSMemory()
	case !quiet:
		g.restore()
	}
	g.quiet = quiet
}

// restore puts the GC target back, if lowered.
func (g *gcTuner) restore() {
	if g.saved >= 0 {
		debug.SetGCPercent(g.saved)
		g.saved = -1
	}
}
