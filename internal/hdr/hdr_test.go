package hdr

import (
	"math/rand/v2"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Encode writes exactly what the library's Encode writes, for empty,
// sparse, dense and extreme histograms, and the library decodes it.
func TestEncodeMatchesLibrary(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	cases := map[string]func(h *hdrhistogram.Histogram){
		"empty": func(*hdrhistogram.Histogram) {},
		"one":   func(h *hdrhistogram.Histogram) { _ = h.RecordValue(1) },
		"lowest and highest": func(h *hdrhistogram.Histogram) {
			_ = h.RecordValue(h.LowestTrackableValue())
			_ = h.RecordValue(h.HighestTrackableValue())
		},
		"sparse": func(h *hdrhistogram.Histogram) {
			for range 50 {
				_ = h.RecordValue(rng.Int64N(h.HighestTrackableValue()))
			}
		},
		"dense": func(h *hdrhistogram.Histogram) {
			for range 100_000 {
				_ = h.RecordValue(int64(rng.ExpFloat64() * 5000))
			}
		},
		"big counts": func(h *hdrhistogram.Histogram) {
			_ = h.RecordValues(250, 1<<40)
			_ = h.RecordValues(7, 1<<62)
		},
	}
	for name, fill := range cases {
		for _, sig := range []int{1, 3, 5} {
			h := hdrhistogram.New(1, 3_600_000_000, sig)
			fill(h)
			want, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
			require.NoError(t, err)
			got, err := Encode(h)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got), "%s, %d significant digits", name, sig)
			back, err := hdrhistogram.Decode(got)
			require.NoError(t, err)
			assert.True(t, back.Equals(h), "%s decodes to the same histogram", name)
		}
	}
}

func TestPutZigZag(t *testing.T) {
	t.Parallel()
	for _, x := range []int64{0, 1, -1, 63, -64, 64, 1 << 20, -(1 << 40), 1<<62 - 1, -1 << 63, 1<<63 - 1} {
		b := putZigZag(nil, x)
		assert.LessOrEqual(t, len(b), 9, "%d", x)
		// Decode by the format's rule to check the round trip.
		var u uint64
		for i, c := range b {
			if i == 8 {
				u |= uint64(c) << 56
				break
			}
			u |= uint64(c&0x7f) << (7 * i)
		}
		assert.Equal(t, x, int64(u>>1)^-int64(u&1), "%d", x)
	}
}

func BenchmarkEncode(b *testing.B) {
	h := hdrhistogram.New(1, 3_600_000_000, 3)
	for i := range 5000 {
		_ = h.RecordValue(int64(200 + i%3000))
	}
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		}
	})
	b.Run("pooled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = Encode(h)
		}
	})
}
