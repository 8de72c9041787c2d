package main

import (
	"bufio"
	"crypto/rand"
	"net"
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
