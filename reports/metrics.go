package reports

import "github.com/stampede-sio/stampede/internal/threshold"

// metricRank orders metrics as threshold.Metrics lists them, unknown names
// last.
func metricRank(name string) int {
	for i, m := range threshold.Metrics {
		if m.Name == name {
			return i
		}
	}
	return len(threshold.Metrics)
}
