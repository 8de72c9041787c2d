package main

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// run --metrics-addr: a short run serves stampede_run_* at /metrics while it
// runs, the series move from one scrape to the next, and the server is gone
// when the run is over (issue 14).
func TestRunMetricsAddr(t *testing.T) {
	hs := refServer(t)
	addr := freeAddrs(t, 0)
	scrapes := make(chan []string, 1)
	go func() {
		var bodies []string
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
			resp, err := http.Get("http://" + addr + "/metrics")
			if err != nil {
				if len(bodies) > 0 {
					break // the run is over
				}
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			bodies = append(bodies, string(b))
		}
		scrapes <- bodies
	}()
	e, stdout, errb := testEnv(nil)
	code := runCmd(t.Context(), e, "run", []string{"echo-baseline", "--vus", "5", "--duration", "4s", "--target", hs.URL,
		"--quiet", "--metrics-addr", addr})
	require.Equal(t, exitOK, code, "stderr: %s\nstdout: %s", errb.String(), stdout.String())
	bodies := <-scrapes
	require.GreaterOrEqual(t, len(bodies), 2, "scraped during the run")
	var withRun []string
	for _, b := range bodies {
		if regexp.MustCompile(`(?m)^stampede_run_clients `).MatchString(b) {
			withRun = append(withRun, b)
		}
	}
	require.GreaterOrEqual(t, len(withRun), 2, "two scrapes after the first second")
	first, last := withRun[0], withRun[len(withRun)-1]
	for _, series := range []string{
		"stampede_run_clients", "stampede_run_connects_total", "stampede_run_messages_sent_total",
		"stampede_run_messages_received_total", `stampede_run_errors_total{kind=""}`, "stampede_run_starts_dropped_total",
		`stampede_run_latency_seconds{metric="ack",quantile="0.99",tags="event=message-with-ack"}`,
		`stampede_run_generator_lag_seconds{quantile="0.99"}`, "process_resident_memory_bytes", "go_goroutines",
	} {
		assert.Contains(t, last, "\n"+series+" ", "series %s", series)
	}
	assert.Equal(t, 5.0, sampleValue(t, last, "stampede_run_clients"))
	assert.Greater(t, sampleValue(t, last, "stampede_run_messages_sent_total"), sampleValue(t, first, "stampede_run_messages_sent_total"), "the counters move")
	assert.Greater(t, sampleValue(t, last, "stampede_run_elapsed_seconds"), sampleValue(t, first, "stampede_run_elapsed_seconds"))
	_, err := http.Get("http://" + addr + "/metrics")
	assert.Error(t, err, "the metrics server stops with the run")
}

// sampleValue is the value of the unlabelled series name in a scrape.
func sampleValue(t *testing.T, body, name string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(body)
	require.NotNil(t, m, "no %s in\n%s", name, body)
	v, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	return v
}

// A --metrics-addr that cannot be listened on stops the run before it starts.
func TestRunMetricsAddrTaken(t *testing.T) {
	hs := refServer(t)
	e, _, errb := testEnv(nil)
	code := runCmd(t.Context(), e, "run", []string{"echo-baseline", "--vus", "1", "--duration", "1s", "--target", hs.URL,
		"--metrics-addr", "256.0.0.1:1"})
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errb.String(), "--metrics-addr")
}
