package engineio_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/stampede-sio/stampede/reports"
)

// TestRaceCasesRepeated: the race cases pass the refserver with --repeat
// 50 in every transport mode (EIO-5, EIO-8, EIO-9: requests answered in the
// client's order, every time); those that need a transport the mode lacks
// skip, saying so.
func TestRaceCasesRepeated(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		transports []string
		skips      map[string]string
	}{
		{[]string{"polling", "websocket"}, nil},
		{[]string{"polling"}, map[string]string{
			"EIO-9/race-get-after-upgrade": upgradeOff,
			"EIO-9/race-burst":             upgradeOff,
		}},
		{[]string{"websocket"}, map[string]string{
			"EIO-5/race-get-at-timeout":      pollingOff,
			"EIO-8/race-post-close-with-get": pollingOff,
			"EIO-9/race-get-after-upgrade":   upgradeOff,
			"EIO-9/race-burst":               upgradeOff,
		}},
	} {
		t.Run(strings.Join(mode.transports, ","), func(t *testing.T) {
			t.Parallel()
			tg := target(t, startRef(t, refConfig(mode.transports...), nil), sioPath)
			tg.Repeat = 50
			rec := runCases(t, tg, `^EIO-[0-9]+/race-`)
			assert.Len(t, rec.Cases, 4)
			for _, c := range rec.Cases {
				if why, ok := mode.skips[c.ID]; ok {
					if assert.Equal(t, reports.StatusSkip, c.Status, describeCase(c)) {
						assert.Contains(t, c.Reason, why, c.ID)
					}
					continue
				}
				assert.Equal(t, reports.StatusPass, c.Status, describeCase(c))
			}
			t.Logf("%v: %d passed, %d skipped in %.1fs", mode.transports, rec.Summary.Passed, rec.Summary.Skipped, rec.Duration)
		})
	}
}
