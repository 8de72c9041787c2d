package main

import (
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// progressLine is the live line of a second of echo-baseline run for 3s:
// its phase (connect or echo), elapsed/total, and every figure; overload
// said with its rule when this busy machine's generator lagged.
var progressLine = regexp.MustCompile(`(connect|echo) +\d+s/3s  clients \d+  connects/s \d+  msgs/s in \d+ out \d+  ack p99 \S+  push p99 \S+  errors \d+(  OVERLOADED \(lag p99 \S+ > 10ms\))?`)

// The live progress: redrawn in place on a terminal (on by default,
// ended by a newline), plain lines with --progress elsewhere, nothing
// without it, nothing on a terminal with --quiet.
func TestRunProgress(t *testing.T) {
	t.Parallel()
	hs := refServer(t)
	for _, tc := range []struct {
		name     string
		terminal bool
		extra    []string
		check    func(t *testing.T, stderr string)
	}{
		{"terminal", true, nil, func(t *testing.T, stderr string) {
			require.NotEmpty(t, stderr)
			assert.True(t, strings.HasPrefix(stderr, "\r"), "redrawn from the line's start: %q", stderr)
			assert.True(t, strings.HasSuffix(stderr, "\x1b[K\n"), "one newline, at the end: %q", stderr)
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "%q", stderr)
			for _, line := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(stderr, "\r"), "\x1b[K\n"), "\x1b[K\r") {
				assert.Regexp(t, "^"+progressLine.String()+"$", line)
			}
		}},
		{"not a terminal, --progress", false, []string{"--progress"}, func(t *testing.T, stderr string) {
			assert.NotContains(t, stderr, "\r")
			assert.NotContains(t, stderr, "\x1b")
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			assert.GreaterOrEqual(t, len(lines), 2, "a line a second: %q", stderr)
			for _, line := range lines {
				assert.Regexp(t, "^"+progressLine.String()+"$", line)
			}
		}},
		{"not a terminal", false, nil, func(t *testing.T, stderr string) { assert.Empty(t, stderr) }},
		{"terminal, --quiet", true, []string{"--quiet"}, func(t *testing.T, stderr string) { assert.Empty(t, stderr) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, out, errb := testEnv(nil)
			e.terminal = func(w io.Writer) bool { return tc.terminal && w == e.stderr }
			args := append(append([]string{"echo-baseline", "--vus", "3", "--duration", "3s", "--target", hs.URL}, lenientLatency...), tc.extra...)
			// A threshold this busy machine breaks (a dropped start) exits 1:
			// the progress is the same.
			code := runCmd(t.Context(), e, "run", args)
			require.Contains(t, []int{exitOK, exitFailed}, code, "stderr: %q\nstdout: %s", errb.String(), out.String())
			stderr := errb.String()
			if code == exitFailed {
				t.Logf("a threshold failed on this machine: %s", out.String())
				// main's one line saying why, after the progress.
				i := strings.LastIndex(strings.TrimSuffix(stderr, "\n"), "\n") + 1
				require.True(t, strings.HasPrefix(stderr[i:], "stampede run: FAIL: "), "stderr: %q", stderr)
				stderr = stderr[:i]
			}
			tc.check(t, stderr)
		})
	}
}
