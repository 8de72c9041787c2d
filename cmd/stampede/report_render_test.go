package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The reports package's golden records, rendered by stampede report.
const (
	goldenRun   = "../../reports/testdata/run.json"
	goldenCheck = "../../reports/testdata/check.json"
)

// stampede report RECORD renders a run or a check record in each format:
// the format named, or the one --out's extension asks for, else text.
func TestReportRenders(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		args   []string
		golden string // the reports golden file the output must equal
		want   string // or a line it must contain
	}{
		{name: "run text", args: []string{goldenRun}, golden: "../../reports/testdata/run.txt"},
		{name: "run markdown by flag", args: []string{goldenRun, "--format", "markdown"}, golden: "../../reports/testdata/run.md"},
		{name: "check markdown by extension", args: []string{"-o", filepath.Join(dir, "check.md"), goldenCheck}, golden: "../../reports/testdata/check.md"},
		{name: "check text", args: []string{goldenCheck, "--format", "text"}, want: "stampede check http://127.0.0.1:8080"},
		{name: "run json again", args: []string{"--out", filepath.Join(dir, "again.json"), goldenRun}, golden: goldenRun},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, stdout, errb := testEnv(nil)
			require.Equal(t, exitOK, runCmd(t.Context(), e, "report", tc.args), "stderr: %s", errb.String())
			got := stdout.String()
			for i, a := range tc.args {
				if a == "-o" || a == "--out" {
					assert.Empty(t, got, "written to the file, not stdout")
					b, err := os.ReadFile(tc.args[i+1])
					require.NoError(t, err)
					got = string(b)
				}
			}
			if tc.golden != "" {
				want, err := os.ReadFile(tc.golden)
				require.NoError(t, err)
				assert.Equal(t, string(want), got)
			}
			assert.Contains(t, got, tc.want)
		})
	}
}

func TestReportRenderErrors(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"schema":`), 0o644))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "want one record, got 0"},
		{[]string{goldenRun, goldenCheck}, "want one record, got 2"},
		{[]string{goldenRun, "--format", "pdf"}, `--format "pdf": want one of text, json, html, markdown`},
		{[]string{bad}, "bad.json: failed to read the record"},
		{[]string{"missing.json"}, "no such file"},
	} {
		e, stdout, errb := testEnv(nil)
		assert.Equal(t, exitUsage, runCmd(t.Context(), e, "report", tc.args), "%v", tc.args)
		assert.Contains(t, errb.String(), tc.want, "%v", tc.args)
		assert.Empty(t, stdout.String(), "%v", tc.args)
	}
}

// The record keeps the command line, without the secret.
func TestCommandLineHidesTheSecret(t *testing.T) {
	t.Parallel()
	got := commandLine("run", []string{"chat", "--secret", "k1", "--secret=k2", "-secret", "k3", "--vus", "5"})
	assert.Equal(t, []string{"stampede", "run", "chat", "--secret", "REDACTED", "--secret=REDACTED", "-secret", "REDACTED", "--vus", "5"}, got)
}

// run --html and check --html write the HTML report at the end, and the
// records keep their command lines.
func TestRunAndCheckWriteHTML(t *testing.T) {
	t.Parallel()
	hs := refServer(t)
	dir := t.TempDir()
	page, rec := filepath.Join(dir, "run.html"), filepath.Join(dir, "run.json")
	e, _, errb := testEnv(nil)
	code := runCmd(t.Context(), e, "run", []string{"echo-baseline", "--vus", "2", "--duration", "2s", "--target", hs.URL,
		"--html", page, "--out", rec, "--quiet", "--secret", "s3cret"})
	require.Contains(t, []int{exitOK, exitFailed}, code, "stderr: %s", errb.String())
	b, err := os.ReadFile(page)
	require.NoError(t, err)
	assert.Contains(t, string(b), `data-plot="clients"`)
	assert.Contains(t, string(b), `data-plot="latency sio_connect"`, "the per-second latency of the connect phases")
	assert.NotContains(t, string(b), "s3cret")
	r := readRunFile(t, rec)
	assert.Equal(t, []string{"stampede", "run", "echo-baseline"}, r.Command[:3])
	assert.Contains(t, r.Command, "REDACTED")

	checkPage := filepath.Join(dir, "check.html")
	e, _, errb = testEnv(nil)
	code = run(t.Context(), e, []string{"check", "--target", hs.URL, "--run", "^EIO-1/path$", "--html", checkPage, "--quiet"})
	require.Equal(t, exitOK, code, "stderr: %s", errb.String())
	b, err = os.ReadFile(checkPage)
	require.NoError(t, err)
	assert.Contains(t, string(b), `<tr class="case" data-status="pass" data-layer="engineio"><td><code>EIO-1/path</code>`)
	assert.Contains(t, string(b), "stampede check --target")
}
