package metrics

import (
	"math"
	"sync/atomic"
)

// Counter is a value that only goes up. The zero value is a valid counter
// at zero, but only counters made by a Registry are exported.
type Counter struct {
	whole atomic.Uint64 // Inc and Add: one atomic add, no compare-and-swap loop
	frac  atomic.Uint64 // float64 bits of the AddFloat total
}

// Inc adds one.
func (c *Counter) Inc() { c.whole.Add(1) }

// Add adds n; its unsigned type keeps a counter from going down.
func (c *Counter) Add(n uint64) { c.whole.Add(n) }

// AddFloat adds v. Because a counter never goes down, v <= 0 and NaN are
// dropped rather than panicking the way the official client does.
func (c *Counter) AddFloat(v float64) {
	if v > 0 {
		addFloat(&c.frac, v)
	}
}

// Value returns the current total.
func (c *Counter) Value() float64 {
	return float64(c.whole.Load()) + math.Float64frombits(c.frac.Load())
}

// Gauge is a value that goes up and down. The zero value is a valid gauge
// at zero, but only gauges made by a Registry are exported.
type Gauge struct {
	bits atomic.Uint64 // float64 bits
}

// Set replaces the value.
func (g *Gauge) Set(v float64) { g.bits.Store(math.Float64bits(v)) }

// Inc adds one.
func (g *Gauge) Inc() { addFloat(&g.bits, 1) }

// Dec subtracts one.
func (g *Gauge) Dec() { addFloat(&g.bits, -1) }

// Add adds v, which may be negative.
func (g *Gauge) Add(v float64) { addFloat(&g.bits, v) }

// Value returns the current value.
func (g *Gauge) Value() float64 { return math.Float64frombits(g.bits.Load()) }

// addFloat adds delta to the float64 stored as bits in u.
func addFloat(u *atomic.Uint64, delta float64) {
	for {
		old := u.Load()
		next := math.Float64bits(math.Float64frombits(old) + delta)
		if u.CompareAndSwap(old, next) {
			return
		}
	}
}
