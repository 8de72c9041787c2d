package simulator

import (
	"runtime/debug"
	"runtime/metrics"

	"github.com/stampede-sio/stampede/reports"
)

// holdGCPercent is the Go GC target (GOGC) of a run's process when its
// clients start holding their connections; while they connect it keeps its
// own (Go's default is 100).
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

// A hold whose clients keep sending (a paced emit a second each, say)
// allocates steadily, and at holdGCPercent the GC then ran every 1.5-2 s
// and took 9-13 % of the generator's CPU by the runtime's own count
// (issue 16: 5,000 clients, one acked emit a second each). So the hold's target follows the GC's share of
// the process's CPU, read every gcWindow seconds: above gcShareHigh it
// doubles (up to the process's own setting), below gcShareLow it halves
// (down to holdGCPercent). Doubling roughly halves the share, so the two
// bounds, a factor 4 apart, cannot make it swing.
const (
	gcWindow    = 5
	gcShareHigh = 0.10
	gcShareLow  = 0.025
)

// gcTuner is Run's hold on its process's GC target. Once a second passes
// with clients connected and none connecting (two in a row: one may be a
// pause within a ramp), it switches to holdGCPercent and returns the ramp's
// unused memory to the OS (debug.FreeOSMemory), then follows the GC's share
// of CPU as above; clients connecting again, or restore, put the process's
// own setting back. A GOGC of off is left alone. A run process is a load
// generator: nothing else in it shares the setting while Run runs.
type gcTuner struct {
	orig    int  // the process's own setting, while hold
	hold    bool // in the hold setting
	quiet   bool // the last second had no connect
	percent int  // the hold's current target

	// cpu reads the process's cumulative GC and user CPU seconds; nil:
	// runtime/metrics.
	cpu     func() (gc, user float64)
	seconds int     // seconds observed in the current window
	gc0     float64 // GC and user CPU at the window's start
	user0   float64
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
		g.hold, g.percent = true, holdGCPercent
		debug.FreeOSMemory()
		g.startWindow()
	case !quiet && g.hold:
		g.restore()
	case g.hold:
		g.follow()
	}
	g.quiet = quiet
}

func (g *gcTuner) startWindow() {
	g.seconds = 0
	g.gc0, g.user0 = g.cpuSeconds()
}

// follow moves the hold's target by the GC's share of CPU over the last
// window.
func (g *gcTuner) follow() {
	if g.seconds++; g.seconds < gcWindow {
		return
	}
	gc, user := g.cpuSeconds()
	dgc, duser := gc-g.gc0, user-g.user0
	g.startWindow()
	if dgc+duser <= 0 {
		return
	}
	share := dgc / (dgc + duser)
	percent := g.percent
	switch {
	case share > gcShareHigh:
		percent = min(2*percent, max(g.orig, holdGCPercent))
	case share < gcShareLow:
		percent = max(percent/2, holdGCPercent)
	}
	if percent != g.percent {
		g.percent = percent
		debug.SetGCPercent(percent)
	}
}

func (g *gcTuner) cpuSeconds() (gc, user float64) {
	if g.cpu != nil {
		return g.cpu()
	}
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/user:cpu-seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64 || s[1].Value.Kind() != metrics.KindFloat64 {
		return 0, 0 // not in this runtime: the target stays put
	}
	return s[0].Value.Float64(), s[1].Value.Float64()
}

// restore puts the process's own setting back.
func (g *gcTuner) restore() {
	if g.hold {
		debug.SetGCPercent(g.orig)
		g.hold = false
	}
}
