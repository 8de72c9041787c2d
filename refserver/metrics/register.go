package metrics

import "fmt"

var (
	_ collector = (*funcFamily)(nil)
	_ collector = (*vec[Counter])(nil)
	_ collector = (*goCollector)(nil)
	_ collector = (*processCollector)(nil)
)

// NewCounter registers and returns a counter. On error (see [Registry.Err])
// the counter still works but is not exported.
func (r *Registry) NewCounter(name, help string) *Counter {
	c := new(Counter)
	r.register(&funcFamily{desc{name, help, typeCounter}, c.Value}, name)
	return c
}

// NewGauge registers and returns a gauge. On error (see [Registry.Err])
// the gauge still works but is not exported.
func (r *Registry) NewGauge(name, help string) *Gauge {
	g := new(Gauge)
	r.register(&funcFamily{desc{name, help, typeGauge}, g.Value}, name)
	return g
}

// NewCounterVec registers a counter family with the given label names.
func (r *Registry) NewCounterVec(name, help string, labelNames ...string) *CounterVec {
	return &CounterVec{newVec(r, desc{name, help, typeCounter}, (*Counter).Value, labelNames)}
}

// NewGaugeVec registers a gauge family with the given label names.
func (r *Registry) NewGaugeVec(name, help string, labelNames ...string) *GaugeVec {
	return &GaugeVec{newVec(r, desc{name, help, typeGauge}, (*Gauge).Value, labelNames)}
}

// NewCounterFunc registers a counter whose value fn returns at each scrape,
// for totals something else already keeps. fn must be safe for concurrent
// use and must never decrease.
func (r *Registry) NewCounterFunc(name, help string, fn func() float64) {
	r.registerFunc(desc{name, help, typeCounter}, fn)
}

// NewGaugeFunc registers a gauge whose value fn returns at each scrape, such
// as the length of a queue. fn must be safe for concurrent use.
func (r *Registry) NewGaugeFunc(name, help string, fn func() float64) {
	r.registerFunc(desc{name, help, typeGauge}, fn)
}

// registerFunc refuses a nil fn now rather than failing every scrape later.
func (r *Registry) registerFunc(d desc, fn func() float64) {
	if fn == nil {
		r.fail(fmt.Errorf("%w: %s", ErrNilFunc, d.name))
		return
	}
	r.register(&funcFamily{d, fn}, d.name)
}

// funcFamily is an unlabelled family read through a function: the plain
// metrics pass their Value method, the Func metrics the caller's function.
type funcFamily struct {
	desc  desc
	value func() float64
}

func (f *funcFamily) collect(dst []family) []family {
	return append(dst, f.desc.single(f.value()))
}
