package simulator

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/stampede-sio/stampede/reports"
)

// gcPercent reads the GC target without changing it.
func gcPercent() int {
	v := debug.SetGCPercent(100)
	debug.SetGCPercent(v)
	return v
}

// The GC target is the process's own from the start, drops after a second
// with clients and none connecting (the second such second: the first may
// be a pause in a ramp), comes back as soon as clients connect again, and
// is the process's own again at the end of the run. GOGC=off is left alone.
func TestGCTuner(t *testing.T) { // not parallel: the GC target is the process's
	defer debug.SetGCPercent(debug.SetGCPercent(150))
	var g gcTuner
	steps := []struct {
		p    reports.Point
		want int
	}{
		{reports.Point{Clients: 10, Connects: 10}, 150},
		{reports.Point{Clients: 10}, 150},
		{reports.Point{Clients: 10}, holdGCPercent},
		{reports.Point{Clients: 10}, holdGCPercent},
		{reports.Point{Clients: 10, Connecting: 1}, 150},
		{reports.Point{Clients: 11}, 150},
		{reports.Point{Clients: 11}, holdGCPercent},
	}
	for i, s := range steps {
		g.observe(s.p)
		assert.Equal(t, s.want, gcPercent(), "second %d: %+v", i+1, s.p)
	}
	g.restore()
	assert.Equal(t, 150, gcPercent(), "restored at the end")

	g = gcTuner{}
	g.observe(reports.Point{})
	g.observe(reports.Point{})
	assert.Equal(t, 150, gcPercent(), "no clients: nothing to hold")
	g.restore()

	debug.SetGCPercent(-1)
	g = gcTuner{}
	g.observe(reports.Point{Clients: 1})
	g.observe(reports.Point{Clients: 1})
	assert.Equal(t, -1, gcPercent(), "GOGC=off in the hold")
	g.restore()
	assert.Equal(t, -1, gcPercent())
}

// In the hold the target follows the GC's share of CPU over each
// gcWindow seconds: it doubles while the share is above gcShareHigh, up
// to the process's own setting, and halves while it is below gcShareLow,
// down to holdGCPercent; in between it stays.
func TestGCTunerFollowsGCShare(t *testing.T) { // not parallel: the GC target is the process's
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	var gc, user float64
	g := gcTuner{cpu: func() (float64, float64) { return gc, user }}
	hold := reports.Point{Clients: 10}
	g.observe(hold)
	g.observe(hold)
	assert.Equal(t, holdGCPercent, gcPercent(), "in the hold")
	window := func(share float64) int {
		for range gcWindow {
			gc += share
			user += 1 - share
			g.observe(hold)
		}
		return gcPercent()
	}
	assert.Equal(t, 20, window(0.30), "a third of CPU in GC: doubled")
	assert.Equal(t, 40, window(0.20))
	assert.Equal(t, 80, window(0.11))
	assert.Equal(t, 100, window(0.11), "capped at the process's own")
	assert.Equal(t, 100, window(0.50))
	assert.Equal(t, 100, window(0.05), "within the band: unchanged")
	assert.Equal(t, 50, window(0.01), "little GC: halved")
	assert.Equal(t, 25, window(0.02))
	assert.Equal(t, 12, window(0.0))
	assert.Equal(t, holdGCPercent, window(0.0))
	assert.Equal(t, holdGCPercent, window(0.0), "never below the hold's")
	gc, user = 0, 0 // a window without CPU (counters that went nowhere) changes nothing
	for range 2 * gcWindow {
		g.observe(hold)
	}
	assert.Equal(t, holdGCPercent, gcPercent())
	g.observe(reports.Point{Clients: 10, Connects: 1})
	assert.Equal(t, 100, gcPercent(), "clients connecting: the process's own")
	g.restore()
}
