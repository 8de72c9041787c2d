package limits_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/conformance"
	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/conformance/limits"
	"github.com/stampede-sio/stampede/reports"
)

// TestPasses: against the refserver with short timeouts every case passes,
// LIM-7 aside, which always skips.
func TestPasses(t *testing.T) {
	t.Parallel()
	rec := runLimits(t, refTarget(serve(t, shortConfig())), "")
	require.Len(t, rec.Cases, len(limits.Cases()))
	for _, c := range rec.Cases {
		want := reports.StatusPass
		if c.ID == "LIM-7/descriptors" {
			want = reports.StatusSkip
		}
		assert.Equal(t, want, c.Status, describe(c))
	}
}

// TestCasesWellFormed: IDs are unique and follow LIM-n/condition, every
// case names its requirement, is bounded by 60 s and belongs to the limits
// layer, and every LIM ID but LIM-7 has a case that can fail.
func TestCasesWellFormed(t *testing.T) {
	t.Parallel()
	seen := make(map[string]bool)
	specs := make(map[string]bool)
	for _, c := range limits.Cases() {
		assert.False(t, seen[c.ID], "duplicate ID %s", c.ID)
		seen[c.ID] = true
		specs[c.Spec()] = true
		assert.Regexp(t, `^LIM-[1-8]/[a-z0-9-]+(/websocket|/polling)?$`, c.ID)
		assert.NotEmpty(t, c.Requirement, c.ID)
		assert.Equal(t, check.LayerLimits, c.Layer, c.ID)
		assert.LessOrEqual(t, c.Timeout.Seconds(), 60.0, c.ID)
	}
	for _, id := range []string{"LIM-1", "LIM-2", "LIM-3", "LIM-4", "LIM-5", "LIM-6", "LIM-7", "LIM-8"} {
		assert.True(t, specs[id], "no case for %s", id)
	}
	for _, c := range conformance.Select(conformance.Cases(), conformance.Options{}) {
		assert.NotEqual(t, check.LayerLimits, c.Layer, "%s is selected by default", c.ID)
	}
}
