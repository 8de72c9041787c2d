package main

import (
	"bufio"
	"crypto/rand"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostileServer accepts TCP connections on 127.0.0.1 and answers each
// request with answer(): what a broken or hostile server might send.
func hostileServer(t *testing.T, answer func() []byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := bufio.NewReader(c).ReadString('\n'); err == nil {
					_, _ = c.Write(answer())
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// assertTerminalSafe fails when out holds a control byte (other than
// newline and tab), invalid UTF-8, or a line too long to be an excerpt.
func assertTerminalSafe(t *testing.T, what, out string) {
	t.Helper()
	assert.True(t, utf8.ValidString(out), "%s: invalid UTF-8: %q", what, out)
	for _, r := range out {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 {
			assert.Failf(t, "control character", "%s: %U in %q", what, r, out)
			break
		}
	}
	for line := range strings.Lines(out) {
		assert.LessOrEqual(t, len(line), 600, "%s: a line of %d bytes: %q", what, len(line), line)
	}
}

// A server that answers random bytes, at the TCP level or as an HTTP body
// with a hostile status line: every message quoting it is escaped and cut
// short (excerpt), on stdout and stderr.
func TestRunHostileServerOutputIsEscaped(t *testing.T) {
	t.Parallel()
	raw := hostileServer(t, func() []byte { return randomBytes(500) })
	body := hostileServer(t, func() []byte {
		b := []byte("HTTP/1.1 200 \x1b[2J\x1b]0;pwned\x07OK\r\nContent-Length: 500\r\nConnection: close\r\n\r\n")
		return append(b, randomBytes(500)...)
	})
	for _, target := range []string{raw, body} {
		e, out, errb := testEnv(nil)
		code := runRun(t.Context(), e, []string{"echo-baseline", "--vus", "2", "--duration", "1s", "--target", target})
		assert.NotEqual(t, exitOK, code, "target %s", target)
		assertTerminalSafe(t, "stdout", out.String())
		assertTerminalSafe(t, "stderr", errb.String())
	}
}

// noThresholds is a scenario without thresholds on the echo namespace
// whose clients emit event with an ack, three times each.
func noThresholds(t *testing.T, event string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "no-thresholds.yaml")
	yml := `name: no-thresholds
target: {namespace: /echo}
auth: {mode: none}
client: {user_join: false, fetch_config: false, heartbeat: -1s}
phases:
  - {name: all, kind: spike, population: 2, max_in_flight: 2}
  - {name: hold, kind: hold, duration: 1s}
flows:
  - name: ack
    steps:
      - loop:
          count: 3
          steps:
            - emit_with_ack: {event: ` + event + `, args: [{text: hello}], timeout: 200ms}
`
	require.NoError(t, os.WriteFile(path, []byte(yml), 0o644))
	return path
}

// Without thresholds a run still fails (exit 1) when no client connected
// or no message came back while errors were counted; it passes when its
// clients were answered.
func TestRunWithoutThresholdsFailsWhenNothingWorked(t *testing.T) {
	t.Parallel()
	hs := refServer(t)
	deaf := hostileServer(t, func() []byte {
		return []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno")
	})
	tests := []struct {
		name, target, event string
		want                int
		stderr              string
	}{
		{"answered", hs.URL, "message-with-ack", exitOK, ""},
		{"no ack came back", hs.URL, "nobody-acks-this", exitFailed, "no ack or reply came back"},
		{"no client connected", deaf, "message-with-ack", exitFailed, "no client connected"},
	}
	for _, tt := range tests {
		e, out, errb := testEnv(nil)
		code := runRun(t.Context(), e, []string{noThresholds(t, tt.event), "--target", tt.target})
		assert.Equal(t, tt.want, code, "%s: stderr %s\nstdout %s", tt.name, errb.String(), out.String())
		if tt.stderr != "" {
			assert.Contains(t, errb.String(), tt.stderr, tt.name)
		}
	}
}
