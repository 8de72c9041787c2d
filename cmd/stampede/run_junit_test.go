package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lenientLatency replaces echo-baseline's latency thresholds (200ms) with
// limits no busy machine breaks, for tests about something else.
var lenientLatency = []string{"--set", "thresholds.0=ack_p99{event:message-with-ack} < 30s", "--set", "thresholds.1=push_p99{event:message-back} < 30s"}

// junitReport is what a CI system reads of run --junit.
type junitReport struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Suites   []struct {
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// run --junit writes one testcase per threshold, the default
// starts_dropped == 0 among them; a broken threshold is a failure with the
// observed value and the limit, and the run exits 1.
func TestRunJUnit(t *testing.T) {
	t.Parallel()
	hs := refServer(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name     string
		set      string
		code     int
		failures map[string]string
	}{
		{"held", "", exitOK, map[string]string{}},
		{"broken", "thresholds.2=connections > 1000000", exitFailed, map[string]string{"connections > 1000000": "observed 3, limit > 1000000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, tc.name+".xml")
			args := append([]string{"echo-baseline", "--vus", "3", "--duration", "2s", "--target", hs.URL, "--junit", path, "--quiet"}, lenientLatency...)
			if tc.set != "" {
				args = append(args, "--set", tc.set)
			}
			e, _, errb := testEnv(nil)
			require.Equal(t, tc.code, runRun(t.Context(), e, args), "stderr: %s", errb.String())
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			var got junitReport
			require.NoError(t, xml.Unmarshal(data, &got), "%s", data)
			assert.Equal(t, 5, got.Tests, "four thresholds of echo-baseline and starts_dropped == 0: %s", data)
			assert.Equal(t, len(tc.failures), got.Failures)
			require.Len(t, got.Suites, 1)
			names := map[string]bool{}
			for _, c := range got.Suites[0].Cases {
				names[c.Name] = true
				want, broken := tc.failures[c.Name]
				if !broken {
					assert.Nil(t, c.Failure, c.Name)
					continue
				}
				require.NotNil(t, c.Failure, c.Name)
				assert.Equal(t, want, c.Failure.Message)
			}
			assert.True(t, names["starts_dropped == 0"], "the default threshold: %v", names)
		})
	}
}
