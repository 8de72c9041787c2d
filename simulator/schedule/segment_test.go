package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Split parts own every index of the segment they split exactly once, and
// nothing else.
func TestSegmentSplitCoversEveryIndexOnce(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		seg Segment
		m   int
	}{{Segment{}, 1}, {Segment{}, 4}, {Segment{I: 1, N: 1}, 3}, {Segment{I: 2, N: 3}, 1}, {Segment{I: 2, N: 3}, 4}, {Segment{I: 3, N: 3}, 2}} {
		parts := tt.seg.Split(tt.m)
		require.Len(t, parts, tt.m)
		for i := range 1000 {
			owners := 0
			for _, p := range parts {
				if p.Owns(i) {
					owners++
					assert.Equal(t, max(tt.seg.N, 1)*tt.m, max(p.N, 1), "%v split %d", tt.seg, tt.m)
				}
			}
			want := 0
			if tt.seg.Owns(i) {
				want = 1
			}
			assert.Equal(t, want, owners, "%v split %d: index %d", tt.seg, tt.m, i)
		}
	}
	assert.Equal(t, []Segment{{1, 3}, {2, 3}, {3, 3}}, Segment{}.Split(3))
	assert.Equal(t, []Segment{{2, 6}, {5, 6}}, Segment{I: 2, N: 3}.Split(2))
}

// The rates of an arrival phase split over processes add up to the whole.
func TestSegmentsShareTheRates(t *testing.T) {
	t.Parallel()
	const rate, secs = 7.0, 10
	n := arrivals(rate, secs*time.Second)
	total := 0
	for _, seg := range (Segment{}).Split(3) {
		got := 0
		for i := range n {
			if seg.Owns(i) {
				got++
			}
		}
		assert.InDelta(t, rate*secs/3, got, 1, "segment %v runs a third of the rate", seg)
		total += got
	}
	assert.Equal(t, n, total)
}
