package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/threshold"
)

// twoRuns runs echo-baseline twice against one refserver, with 4 and then
// 8 clients, and returns the records. A run may break a threshold on
// this loaded machine (a dropped start): the records are compared all the
// same, with the counts they hold.
func twoRuns(t *testing.T) (base, bigger string) {
	t.Helper()
	hs := refServer(t)
	dir := t.TempDir()
	for i, vus := range []string{"4", "8"} {
		out := filepath.Join(dir, []string{"base.json", "bigger.json"}[i])
		e, _, errb := testEnv(nil)
		code := runCmd(t.Context(), e, "run", append([]string{"echo-baseline", "--vus", vus, "--duration", "2s", "--target", hs.URL, "--out", out, "--quiet"}, lenientLatency...))
		require.Contains(t, []int{exitOK, exitFailed}, code, "run with %s clients: %s", vus, errb.String())
	}
	return filepath.Join(dir, "base.json"), filepath.Join(dir, "bigger.json")
}

// Two real runs compared end to end: every format written, a rule that
// holds exits 0, one that breaks exits 1 naming the record and the change.
func TestReportCompareEndToEnd(t *testing.T) {
	t.Parallel()
	base, bigger := twoRuns(t)
	a, b := readRunFile(t, base).Counter(threshold.MetricConnections, nil), readRunFile(t, bigger).Counter(threshold.MetricConnections, nil)
	require.Greater(t, b, a, "8 clients connected more often than 4")
	compare := func(args ...string) (int, string, string) {
		e, stdout, errb := testEnv(nil)
		code := runCmd(t.Context(), e, "report", append([]string{"compare", base, bigger}, args...))
		return code, stdout.String(), errb.String()
	}

	code, out, errs := compare("--fail-if", fmt.Sprintf("connections > +%d", b-a), "--fail-if", "ack_p99 > +100000%")
	require.Equal(t, exitOK, code, "stderr: %s", errs)
	assert.Empty(t, errs)
	for _, want := range []string{"stampede report compare: 2 records, A the baseline: PASS (2 rules held)", "base.json", "bigger.json",
		"connections", "ack_p99{event:message-with-ack}", "push_p99{event:message-back}", "sio_connect_p99", "messages_sent_rate", "starts_dropped", "server_rss_max"} {
		assert.Contains(t, out, want)
	}
	ratio := fmt.Sprintf("×%.2f", float64(b)/float64(a))
	assert.Regexp(t, fmt.Sprintf(`\nconnections +%d +%d +\+%d +%s\n`, a, b, b-a, ratio), out, "4 then 8 clients")

	code, out, errs = compare("--fail-if", fmt.Sprintf("connections > +%d", b-a-1), "--fail-if", "errors > +1000", "--format", "markdown")
	assert.Equal(t, exitFailed, code)
	assert.Equal(t, fmt.Sprintf("stampede report: compare: FAIL: connections > +%d broke on bigger.json: %d against %d: +%d\n", b-a-1, b, a, b-a), errs)
	assert.Contains(t, out, "### stampede report compare: **FAIL (1 of 2 rules broke)**")
	assert.Contains(t, out, fmt.Sprintf("| connections | %d | %d (+%d %s) |", a, b, b-a, ratio))

	code, _, errs = compare("--fail-if", "connections > +10%")
	assert.Equal(t, exitFailed, code, "a relative rule breaks too")
	assert.Contains(t, errs, "connections > +10% broke on bigger.json: ")

	dir := t.TempDir()
	for _, name := range []string{"cmp.html", "cmp.md", "cmp.json", "cmp.txt"} {
		path := filepath.Join(dir, name)
		code, out, errs = compare("-o", path)
		require.Equal(t, exitOK, code, "%s: %s", name, errs)
		assert.Empty(t, out, "written to the file")
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Contains(t, string(data), "bigger.json", name)
	}
	html, err := os.ReadFile(filepath.Join(dir, "cmp.html"))
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(html), `data-plot="hdr ack{event:message-with-ack}"`), "the HDR overlay of the acks")
}

func TestReportCompareBadInputExits2(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec := filepath.Join(dir, "a.json")
	require.NoError(t, os.WriteFile(rec, []byte(`{"schema": 1, "scenario": "s", "series": []}`), 0o644))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{rec}, "want two records or more to compare, got 1"},
		{[]string{rec, rec, "--fail-if", "ack_p99 > ten%"}, `threshold "ack_p99 > ten%": column 11: expected a number, found "ten%"`},
		{[]string{rec, rec, "--fail-if", "ack_p99 == +10%"}, "a change rule compares with < <= > or >=, not =="},
		{[]string{rec, rec, "--fail-if", "nope_p99 > +10%"}, `unknown metric "nope"`},
		{[]string{rec, rec, "--format", "yaml"}, `--format "yaml": want one of text, json, markdown, html`},
		{[]string{rec, filepath.Join(dir, "missing.json")}, "missing.json: open"},
	} {
		e, stdout, errb := testEnv(nil)
		code := runCmd(t.Context(), e, "report", append([]string{"compare"}, tc.args...))
		assert.Equal(t, exitUsage, code, "%v: %s", tc.args, errb.String())
		assert.Contains(t, errb.String(), tc.want, "%v", tc.args)
		assert.True(t, strings.HasPrefix(errb.String(), "stampede report: compare: "), errb.String())
		assert.Empty(t, stdout.String())
	}
	e, stdout, _ := testEnv(nil)
	assert.Equal(t, exitOK, runCmd(t.Context(), e, "report", []string{"compare", "--help"}))
	assert.Contains(t, stdout.String(), "--fail-if")
}
