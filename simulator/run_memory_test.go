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

// The GC target drops after a second with clients and none connecting
// (the second such second: the first may be a pause in a ramp), comes back
// as soon as clients connect again, and at the end of the run.
func TestGCTuner(t *testing.T) { // not parallel: the GC target is the process's
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	g := newGCTuner()
	steps := []struct {
		p    reports.Point
		want int
	}{
		{reports.Point{Clients: 10, Connects: 10}, 100},
		{reports.Point{Clients: 10}, 100},
		{reports.Point{Clients: 10}, holdGCPercent},
		{reports.Point{Clients: 10}, holdGCPercent},
		{reports.Point{Clients: 10, Connecting: 1}, 100},
		{reports.Point{Clients: 11}, 100},
		{reports.Point{Clients: 11}, holdGCPercent},
	}
	for i, s := range steps {
		g.observe(s.p)
		assert.Equal(t, s.want, gcPercent(), "second %d: %+v", i+1, s.p)
	}
	g.restore()
	assert.Equal(t, 100, gcPercent(), "restored at the end")
	g.observe(reports.Point{})
	g.observe(reports.Point{})
	assert.Equal(t, 100, gcPercent(), "no clients: nothing to hold")
}
