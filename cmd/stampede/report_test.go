package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/reports"
)

// runSegments runs echo-baseline's segments 1/2 and 2/2 against a
// refserver, as two machines would, and returns their record files. A
// segment's own thresholds may fail (with 2 clients it may hold one flow
// only): the whole run's are evaluated when the records merge.
func runSegments(t *testing.T) (dir string, parts []string) {
	t.Helper()
	hs := refServer(t)
	dir = t.TempDir()
	for _, seg := range []string{"1/2", "2/2"} {
		out := filepath.Join(dir, "part-"+seg[:1]+".json")
		e, _, errb := testEnv(nil)
		code := runCmd(t.Context(), e, "run", []string{"echo-baseline", "--vus", "4", "--duration", "2s", "--target", hs.URL,
			"--segment", seg, "--out", out, "--quiet"})
		require.Contains(t, []int{exitOK, exitFailed}, code, "segment %s: %s", seg, errb.String())
		parts = append(parts, out)
	}
	return dir, parts
}

// The records of a run's segments merge into the whole run's: counters add
// up, the segments are gone from the record, the thresholds are evaluated
// again and decide the exit code.
func TestReportMerge(t *testing.T) {
	t.Parallel()
	dir, parts := runSegments(t)
	for _, p := range parts {
		assert.EqualValues(t, 2, readRunFile(t, p).Counter(threshold.MetricConnections, nil), "each segment has half of the 4 clients")
	}
	out := filepath.Join(dir, "merged.json")
	e, stdout, errb := testEnv(nil)
	code := runCmd(t.Context(), e, "report", append([]string{"merge", "--out", out}, parts...))
	require.Equal(t, exitOK, code, "stderr: %s", errb.String())
	assert.Contains(t, stdout.String(), "stampede run echo-baseline", "the merged summary")
	merged := readRunFile(t, out)
	assert.EqualValues(t, 4, merged.Counter(threshold.MetricConnections, nil))
	assert.Empty(t, merged.Segments, "the whole run")
	require.NotEmpty(t, merged.Thresholds)
	for _, th := range merged.Thresholds {
		assert.True(t, th.OK, "%+v", th)
	}

	// A threshold that fails over the merged record exits 1: the first
	// record's expressions are the ones evaluated.
	first := readRunFile(t, parts[0])
	first.Thresholds[0].Expr = "error_rate < 0%"
	failing := filepath.Join(dir, "part-1-failing.json")
	f, err := os.Create(failing)
	require.NoError(t, err)
	require.NoError(t, reports.WriteRunJSON(f, first))
	require.NoError(t, f.Close())
	e, stdout, errb = testEnv(nil)
	assert.Equal(t, exitFailed, runCmd(t.Context(), e, "report", []string{"merge", failing, parts[1], "--quiet"}), "stderr: %s", errb.String())
	assert.Empty(t, stdout.String(), "--quiet")
}

func TestReportBadInputExits2(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notRecord := filepath.Join(dir, "not-a-record.json")
	require.NoError(t, os.WriteFile(notRecord, []byte(`{"hello":1}`), 0o644))
	_, parts := runSegments(t)
	tests := []struct {
		args    []string
		message string
	}{
		{nil, "want one record, got 0 arguments"},
		{[]string{"compare"}, "stampede report: compare: want two records or more to compare, got 0"},
		{[]string{"merge"}, "want the records to merge"},
		{[]string{"merge", "--bogus", parts[0]}, "bogus"},
		{[]string{"merge", filepath.Join(dir, "missing.json")}, "missing.json"},
		{[]string{"merge", notRecord}, "no schema field"},
		{[]string{"merge", parts[0], parts[0]}, "segment"},
	}
	for _, tt := range tests {
		e, out, errb := testEnv(nil)
		code := runCmd(t.Context(), e, "report", tt.args)
		assert.Equal(t, exitUsage, code, "args %v: %s", tt.args, errb.String())
		assert.Contains(t, errb.String(), tt.message, "args %v", tt.args)
		assert.Empty(t, out.String(), "args %v", tt.args)
	}
	e, out, _ := testEnv(nil)
	assert.Equal(t, exitOK, runCmd(t.Context(), e, "report", []string{"--help"}))
	assert.Contains(t, out.String(), "stampede report merge")
}

// One segment of two: a CI job whose second machine died must not pass.
// report merge refuses (exit 2, naming the missing segment) and writes
// nothing; --allow-partial merges, and marks the record partial in the
// summary's first line and in the JSON.
func TestReportMergeMissingSegment(t *testing.T) {
	t.Parallel()
	dir, parts := runSegments(t)
	out := filepath.Join(dir, "merged.json")
	e, stdout, errb := testEnv(nil)
	require.Equal(t, exitUsage, runCmd(t.Context(), e, "report", []string{"merge", parts[0], "--out", out}))
	assert.Contains(t, errb.String(), "segments 2/2 missing")
	assert.Contains(t, errb.String(), "--allow-partial")
	assert.Empty(t, stdout.String())
	assert.NoFileExists(t, out)

	e, stdout, errb = testEnv(nil)
	code := runCmd(t.Context(), e, "report", []string{"merge", parts[0], "--out", out, "--allow-partial"})
	assert.Contains(t, []int{exitOK, exitFailed}, code, "stderr: %s", errb.String())
	first, _, _ := strings.Cut(stdout.String(), "\n")
	assert.Equal(t, "PARTIAL RUN: segments 2/2 missing: every figure below lacks their clients", first)
	assert.Contains(t, errb.String(), "warning: segments 2/2 missing")
	raw, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"partial": true`)
	merged := readRunFile(t, out)
	assert.True(t, merged.Partial)
	assert.Equal(t, []reports.Segment{{I: 2, N: 2}}, merged.Missing)

	// Both segments: not partial.
	e, stdout, errb = testEnv(nil)
	require.Contains(t, []int{exitOK, exitFailed}, runCmd(t.Context(), e, "report", []string{"merge", parts[0], parts[1], "--out", out, "--allow-partial"}), errb.String())
	assert.NotContains(t, stdout.String(), "PARTIAL")
	assert.False(t, readRunFile(t, out).Partial)
}
