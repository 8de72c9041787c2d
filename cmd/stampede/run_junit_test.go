package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/reports"
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
// starts_dropped == 0 among them, failed exactly where the record's
// threshold failed, with the observed value and the limit; a broken
// threshold exits 1. (This loaded machine may drop a start or break a
// latency limit in either run: the test holds the file to the record.)
func TestRunJUnit(t *testing.T) {
	t.Parallel()
	hs := refServer(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name, set, broken, message string
	}{
		{"held", "", "", ""},
		{"broken", "thresholds.2=connections > 1000000", "connections > 1000000", "observed 3, limit > 1000000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path, out := filepath.Join(dir, tc.name+".xml"), filepath.Join(dir, tc.name+".json")
			args := append([]string{"echo-baseline", "--vus", "3", "--duration", "2s", "--target", hs.URL, "--junit", path, "--out", out, "--quiet"}, lenientLatency...)
			if tc.set != "" {
				args = append(args, "--set", tc.set)
			}
			e, _, errb := testEnv(nil)
			code := runCmd(t.Context(), e, "run", args)
			rec := readRunFile(t, out)
			failed := map[string]reports.ThresholdResult{}
			for _, th := range rec.Thresholds {
				if !th.OK {
					failed[th.Expr] = th
				}
			}
			assert.Equal(t, map[bool]int{true: exitFailed, false: exitOK}[len(failed) > 0], code, "stderr: %s", errb.String())
			if tc.broken != "" {
				require.Contains(t, failed, tc.broken)
			} else if len(failed) > 0 {
				t.Logf("thresholds this machine broke: %v", failed)
			}
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			var got junitReport
			require.NoError(t, xml.Unmarshal(data, &got), "%s", data)
			assert.Equal(t, 5, got.Tests, "four thresholds of echo-baseline and starts_dropped == 0: %s", data)
			assert.Equal(t, len(failed), got.Failures)
			require.Len(t, got.Suites, 1)
			names := map[string]bool{}
			for _, c := range got.Suites[0].Cases {
				names[c.Name] = true
				th, broken := failed[c.Name]
				if !broken {
					assert.Nil(t, c.Failure, c.Name)
					continue
				}
				require.NotNil(t, c.Failure, c.Name)
				assert.Contains(t, c.Failure.Message, "observed "+th.Actual+", limit ", c.Name)
			}
			assert.True(t, names["starts_dropped == 0"], "the default threshold: %v", names)
			if tc.broken != "" {
				for _, c := range got.Suites[0].Cases {
					if c.Name == tc.broken {
						assert.Equal(t, tc.message, c.Failure.Message)
					}
				}
			}
		})
	}
}
