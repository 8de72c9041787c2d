package simulator

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// CLIENT-3: the measured ranges of socket.io-client 4.8's delays.
func TestBackoffRanges(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		attempt int
		lo, hi  time.Duration
	}{
		{0, 500 * time.Millisecond, 1500 * time.Millisecond},
		{1, 1000 * time.Millisecond, 3000 * time.Millisecond},
		{2, 2000 * time.Millisecond, 5000 * time.Millisecond},
		{3, 4000 * time.Millisecond, 5000 * time.Millisecond},
		{10, 5000 * time.Millisecond, 5000 * time.Millisecond},
		{5000, 5000 * time.Millisecond, 5000 * time.Millisecond},
	}
	for _, tt := range tests {
		for range 2000 {
			d := DefaultBackoff.Next(tt.attempt, rng)
			assert.True(t, d >= tt.lo && d <= tt.hi, "attempt %d: %v outside [%v, %v]", tt.attempt, d, tt.lo, tt.hi)
		}
	}
}

// CLIENT-3, exact values of the formula at chosen r.
func TestBackoffFormula(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int
		r    float64
		want time.Duration
	}{
		{0, 0.0, 1000 * time.Millisecond},  // dev 0
		{0, 0.09, 955 * time.Millisecond},  // floor(0.9) = 0, even: 1000 - floor(0.09·0.5·1000)=45
		{0, 0.15, 1075 * time.Millisecond}, // floor(1.5) = 1, odd: 1000 + 75
		{0, 0.999, 1499 * time.Millisecond},
		{0, 0.899, 551 * time.Millisecond}, // floor(8.99) = 8, even: 1000 - 449
		{1, 0.15, 2150 * time.Millisecond},
		{2, 0.15, 4300 * time.Millisecond},
		{3, 0.0, 5000 * time.Millisecond}, // 8000 capped
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, DefaultBackoff.Delay(tt.n, tt.r), "attempt %d r %v", tt.n, tt.r)
	}
}

// CLIENT-3, statistically: the distribution of attempt-0 delays matches the
// formula's. Under r ~ U[0,1), the delay is below 1000 ms exactly when
// floor(10r) is even and r > 0: probability 1/2; and its mean is 1000 ms
// plus the odd deciles' deviations minus the even ones': E = 1000 +
// 500·(Σ_odd E[r] − Σ_even E[r])/10 = 1000 + 500·0.05 = 1025 ms.
func TestBackoffDistribution(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 11))
	const n = 200000
	below, sum := 0, 0.0
	for range n {
		d := DefaultBackoff.Next(0, rng)
		if d < time.Second {
			below++
		}
		sum += float64(d / time.Millisecond)
	}
	assert.InDelta(t, 0.5, float64(below)/n, 0.01, "share of delays under the base")
	assert.InDelta(t, 1025.0, sum/n, 3, "mean delay (ms)")
}

// The JS client's overflow after ~1015 attempts, reproduced only on request.
func TestBackoffOverflowBug(t *testing.T) {
	t.Parallel()
	bug := DefaultBackoff
	bug.OverflowBug = true
	assert.Equal(t, 5*time.Second, bug.Delay(1000, 0.05), "before the overflow the cap applies")
	// After it, base is Infinity: an even decile gives Infinity − Infinity =
	// NaN, which JS turns into 0 ms; an odd one gives Infinity, capped.
	assert.Equal(t, time.Duration(0), bug.Delay(1100, 0.05), "even decile: 0 ms")
	assert.Equal(t, 5*time.Second, bug.Delay(1100, 0.15), "odd decile: capped")
	assert.Equal(t, 5*time.Second, DefaultBackoff.Delay(1100, 0.05), "capped exponent: still Max")
	noJitter := DefaultBackoff
	noJitter.Jitter = 0
	assert.Equal(t, 4*time.Second, noJitter.Delay(2, 0.99), "jitter off: exactly Min·2^n")
}
