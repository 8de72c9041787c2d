package engineio_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/stampede-sio/stampede/reports"
)

// TestMissingOpenFields drops each field of the OPEN packet of polling
// handshakes in turn (websocket OPEN frames pass the middleware untouched): no case may panic, and a missing field fails where it
// is judged (EIO-4/open-packet; EIO-9/upgrades-listed and EIO-14/both for
// upgrades), once, while the cases that need the field skip saying so.
func TestMissingOpenFields(t *testing.T) {
	t.Parallel()
	judged := map[string][]string{
		"sid":          nil, // no polling session opens at all: only no panic is asked
		"upgrades":     {"EIO-4/open-packet", "EIO-9/upgrades-listed", "EIO-14/both"},
		"pingInterval": {"EIO-4/open-packet"},
		"pingTimeout":  {"EIO-4/open-packet"},
		"maxPayload":   {"EIO-4/open-packet"},
	}
	for field, fails := range judged {
		t.Run(field, func(t *testing.T) {
			t.Parallel()
			m := misbehaving{mw: openPackets(func(o map[string]any) { delete(o, field) })}
			rec := runCases(t, target(t, m.start(t), sioPath), "")
			for _, c := range rec.Cases {
				assert.NotContains(t, c.Actual, "panicked", describeCase(c))
				assert.NotContains(t, c.Reason, "suite bug", describeCase(c))
				if fails != nil && c.Status == reports.StatusFail {
					assert.Contains(t, fails, c.ID, "failed for a missing %s, which it does not judge:\n%s", field, describeCase(c))
				}
				if slices.Contains(fails, c.ID) {
					assert.Equal(t, reports.StatusFail, c.Status, "judges the missing %s:\n%s", field, describeCase(c))
				}
			}
			if field != "maxPayload" {
				return
			}
			for _, c := range rec.Cases {
				if slices.Contains([]string{"EIO-10/polling-exact", "EIO-10/polling-over"}, c.ID) {
					if assert.Equal(t, reports.StatusSkip, c.Status, describeCase(c)) {
						assert.Equal(t, "the OPEN packet has no usable maxPayload (see EIO-4/open-packet)", c.Reason)
					}
				}
			}
		})
	}
}
