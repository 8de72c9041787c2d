package limit

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Hit counts every time and logs at warn at most once a second per limit,
// the line starting with "limit LIM-n:" and carrying the total.
func TestHitCountsAndRateLimitsLogs(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	r := New(slog.New(slog.NewTextHandler(&buf, nil)))
	for range 100 {
		r.Hit(Queue, "slow consumer", "sid", "x")
	}
	r.Hit(Attachments, "too many attachments")
	assert.Equal(t, uint64(100), r.Count(Queue))
	assert.Equal(t, uint64(1), r.Count(Attachments))
	assert.Zero(t, r.Count(UTF8))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	assert.Len(t, lines, 2, "one line per limit within the second: %s", buf.String())
	assert.Contains(t, lines[0], `level=WARN msg="limit LIM-6: slow consumer" sid=x total=1`)
	assert.Contains(t, lines[1], `msg="limit LIM-1: too many attachments"`)
}

func TestNilReporterAndIDs(t *testing.T) {
	t.Parallel()
	var r *Reporter
	r.Hit(Queue, "nothing")
	assert.Zero(t, r.Count(Queue))
	assert.Equal(t, "LIM-7", Accept.String())
	assert.Len(t, IDs(), 7)
}
