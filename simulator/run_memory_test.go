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
