package metrics

import (
	"io"
	"math"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCounter(t *testing.T) {
	t.Parallel()
	var c Counter
	c.Inc()
	c.Add(10)
	c.AddFloat(0.5)
	c.AddFloat(-3)         // dropped: counters never go down
	c.AddFloat(math.NaN()) // dropped
	assert.Equal(t, 11.5, c.Value())
}

func TestGauge(t *testing.T) {
	t.Parallel()
	var g Gauge
	g.Set(5)
	g.Inc()
	g.Dec()
	g.Dec()
	g.Add(-10.5)
	assert.Equal(t, -6.5, g.Value())
}

func TestVecReturnsSameChild(t *testing.T) {
	t.Parallel()
	r := New()
	cv := r.NewCounterVec("v_total", "h", "a", "b")
	assert.Same(t, cv.With("x", "y"), cv.With("x", "y"))
	assert.NotSame(t, cv.With("x", "y"), cv.With("xy", ""))
	assert.NotSame(t, cv.With("x", "y"), cv.With("y", "x"))
	gv := r.NewGaugeVec("g", "h")
	assert.Same(t, gv.With(), gv.With(), "a vector without labels has one child")
	require.NoError(t, r.Err())
}

func TestVecRepairsInvalidUTF8(t *testing.T) {
	t.Parallel()
	r := New()
	r.NewCounterVec("v_total", "h", "a").With("bad\xff").Inc()
	got := scrape(t, r)
	assert.Equal(t, 1.0, got["v_total{a=\"bad\uFFFD\"}"])
}

// TestConcurrentUpdates runs under -race in `make test`: many writers on
// one counter, one vector child and one gauge while scrapes run.
func TestConcurrentUpdates(t *testing.T) {
	t.Parallel()
	const workers, perWorker = 32, 2000
	r := New()
	c := r.NewCounter("c_total", "h")
	cv := r.NewCounterVec("cv_total", "h", "k", "j")
	g := r.NewGauge("g", "h")

	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range perWorker {
				c.Inc()
				c.AddFloat(0.5)
				cv.With("a", "b").Inc()
				g.Add(2)
				g.Dec()
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			_, err := r.WriteTo(io.Discard)
			assert.NoError(t, err)
		}
	})
	wg.Wait()

	const n = workers * perWorker
	assert.Equal(t, 1.5*n, c.Value())
	assert.Equal(t, float64(n), cv.With("a", "b").Value())
	assert.Equal(t, float64(n), g.Value())
}

// TestUpdatesDoNotAllocate is not parallel: testing.AllocsPerRun refuses to
// run beside parallel tests, whose allocations it would count.
func TestUpdatesDoNotAllocate(t *testing.T) {
	r := New()
	c := r.NewCounter("c_total", "h")
	g := r.NewGauge("g", "h")
	cv := r.NewCounterVec("cv_total", "h", "namespace", "event")
	cv.With("/chat", "message")

	tests := map[string]func(){
		"Counter.Inc":      c.Inc,
		"Counter.AddFloat": func() { c.AddFloat(0.5) },
		"Gauge.Add":        func() { g.Add(1) },
		"CounterVec.With":  func() { cv.With("/chat", "message").Inc() },
	}
	for name, f := range tests {
		assert.Zero(t, testing.AllocsPerRun(100, f), name)
	}
}
