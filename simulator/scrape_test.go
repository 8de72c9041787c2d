package simulator

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseServerMetrics(t *testing.T) {
	t.Parallel()
	text := `# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
process_resident_memory_bytes 1.234e+08 1700000000000
go_goroutines 310
go_goroutines_total 1
stampede_sessions{transport="websocket"} 5000
go_goroutines{shard="x"} 99
`
	s := parseServerMetrics(strings.NewReader(text))
	assert.Equal(t, 12.5, s.cpu)
	assert.Equal(t, 1.234e8, s.rss, "a timestamp after the value is ignored")
	assert.Equal(t, 310.0, s.goroutines, "labelled series and longer names are not ours")

	none := parseServerMetrics(strings.NewReader("<html>open-webui</html>\nprocess_cpu_seconds_total NaN\n"))
	assert.Equal(t, serverSample{cpu: -1, rss: -1, goroutines: -1}, none)
}

func TestMetricsURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"http://127.0.0.1:8080":             "http://127.0.0.1:8080/metrics",
		"https://host/webui/?x=1":           "https://host/metrics",
		"http://user:pw@127.0.0.1:8080/abc": "http://user:pw@127.0.0.1:8080/metrics",
	} {
		u, _ := url.Parse(in)
		assert.Equal(t, want, metricsURL(u), in)
	}
}
