package metrics

import "sync/atomic"

// Counter is a monotonic count under one metric name and tag set.
type Counter struct {
	n      atomic.Int64
	_      [56]byte // keep hot counters on cache lines of their own
	metric string
	tags   map[string]string
	prev   int64 // value at the last Snapshot; owned by the snapshot lock
}

// Add adds n (n ≥ 0: counters only grow).
func (c *Counter) Add(n int64) { c.n.Add(n) }

// Inc adds one.
func (c *Counter) Inc() { c.n.Add(1) }

// Value returns the count so far.
func (c *Counter) Value() int64 { return c.n.Load() }

// Gauge is a level that goes up and down (clients connected, dials in
// flight); it appears in the per-second series only.
type Gauge struct {
	n      atomic.Int64
	_      [56]byte
	metric string
	tags   map[string]string
}

// Add moves the level by n, which may be negative.
func (g *Gauge) Add(n int64) { g.n.Add(n) }

// Set sets the level.
func (g *Gauge) Set(n int64) { g.n.Store(n) }

// Value returns the level.
func (g *Gauge) Value() int64 { return g.n.Load() }
