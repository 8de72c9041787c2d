package simulator

import (
	"math"
	"math/rand/v2"
	"time"
)

// Backoff computes reconnection delays as socket.io-client 4.8 does
// (CLIENT-3): attempt n (from 0, reset after a successful reconnect) has
// base = Min · 2^n; with r drawn from [0,1), dev = floor(r · Jitter · base),
// base −= dev when floor(10r) is even, else base += dev; the delay is
// min(base, Max).
type Backoff struct {
	Min    time.Duration // reconnectionDelay, 1s
	Max    time.Duration // reconnectionDelayMax, 5s
	Jitter float64       // randomizationFactor, 0.5
	// OverflowBug reproduces the JS client: its 2^n overflows after ~1015
	// attempts, and half of the later delays come out as 0 ms. Off, the
	// exponent is capped instead.
	OverflowBug bool
}

// DefaultBackoff is socket.io-client's default.
var DefaultBackoff = Backoff{Min: time.Second, Max: 5 * time.Second, Jitter: 0.5}

// maxExponent caps 2^n: beyond it every delay is Max anyway.
const maxExponent = 62

// Delay is the wait before reconnection attempt n, with r in [0,1).
func (b Backoff) Delay(n int, r float64) time.Duration {
	minMS := float64(b.Min / time.Millisecond)
	var base float64
	if b.OverflowBug {
		// JS: this.ms * Math.pow(this.factor, this.attempts++) in doubles;
		// the sum overflows to Infinity, and Infinity - Infinity is NaN,
		// which Math.min turns into NaN and setTimeout into 0.
		base = minMS * math.Pow(2, float64(n))
	} else {
		base = minMS * math.Pow(2, float64(min(n, maxExponent)))
	}
	if b.Jitter > 0 {
		dev := math.Floor(r * b.Jitter * base)
		if int(math.Floor(r*10))&1 == 0 {
			base -= dev
		} else {
			base += dev
		}
	}
	maxMS := float64(b.Max / time.Millisecond)
	d := math.Min(base, maxMS)
	if math.IsNaN(d) || math.IsInf(d, 0) || d < 0 {
		return 0 // JS setTimeout with NaN waits 0 ms
	}
	return time.Duration(d) * time.Millisecond
}

// Next draws the delay for attempt n.
func (b Backoff) Next(n int, rng *rand.Rand) time.Duration { return b.Delay(n, rng.Float64()) }
