package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/refserver"
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
		code := runCmd(t.Context(), e, "run", []string{"echo-baseline", "--vus", "2", "--duration", "1s", "--target", target})
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
// clients were answered. A target that answers HTTP but not the Engine.IO
// handshake is unreachable (exit 2).
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
		{"no client connected", hs.URL + "/nope", "message-with-ack", exitFailed, "no client connected"}, // an unknown namespace
		// HTTP without Engine.IO is not a Socket.IO server: refused before the start.
		{"no handshake", deaf, "message-with-ack", exitUsage, "no Engine.IO handshake at /ws/socket.io/"},
	}
	for _, tt := range tests {
		e, out, errb := testEnv(nil)
		code := runCmd(t.Context(), e, "run", []string{noThresholds(t, tt.event), "--target", tt.target})
		assert.Equal(t, tt.want, code, "%s: stderr %s\nstdout %s", tt.name, errb.String(), out.String())
		if tt.stderr != "" {
			assert.Contains(t, errb.String(), tt.stderr, tt.name)
		}
	}
}

// A target that dies mid-run is named as dead in the summary and the
// record, not taken for an overloaded generator: its clients' reconnection
// time is not the generator's lag. Not parallel: the generator's lag must
// be this run's alone.
func TestRunTargetDiesMidRun(t *testing.T) {
	srv, err := refserver.New(refserver.Config{Secret: []byte("run-test-secret")})
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	kill := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		hs.Listener.Close() // refused from now on
		srv.Shutdown(ctx)
		hs.Close()
		client.CloseIdleConnections()
	}
	t.Cleanup(kill)
	time.AfterFunc(2*time.Second, kill)
	out := filepath.Join(t.TempDir(), "dead.json")
	e, stdout, errb := testEnv(nil)
	code := runCmd(t.Context(), e, "run", []string{"echo-baseline", "--vus", "5", "--duration", "5s", "--target", hs.URL, "--out", out})
	assert.Equal(t, exitFailed, code, "stderr %s", errb.String())
	assert.Contains(t, stdout.String(), "target "+hs.URL+" died mid-run")
	rec := readRunFile(t, out)
	require.Len(t, rec.TargetsDown, 1)
	assert.Equal(t, hs.URL, rec.TargetsDown[0].Target)
	assert.Positive(t, rec.TargetsDown[0].Connections)
	// The clients' reconnection waits (1 s · 2ⁿ, ±50 %) are not lag: before
	// they were kept apart, lag p99 read 3-5 s here. A machine busy with
	// other tests may still lag a few ms, and then, by the rule, the summary
	// says so: overload is said exactly when lag p99 passes 10 ms.
	assert.Less(t, rec.Generator.LagP99, 400.0, "reconnection time counted as the generator's lag")
	assert.Equal(t, rec.Generator.LagP99 > 10, strings.Contains(stdout.String(), "overloaded"),
		"overload said iff lag p99 > 10 ms (lag p99 %.1f ms)", rec.Generator.LagP99)
}

// slowUser is a scenario whose auth.user template renders for minutes,
// writing nothing but empty strings.
func slowUser(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "slow-user.yaml")
	yml := `name: slow-user
auth: {mode: mint, user: '{{range 2000000000}}{{""}}{{end}}u000002'}
client: {fetch_config: false, user_join: false, heartbeat: -1s}
phases:
  - {name: all, kind: spike, population: 2, max_in_flight: 2}
  - {name: hold, kind: hold, duration: 1s}
flows:
  - name: idle
    steps:
      - listen: {for: 1s, events: [auth]}
`
	require.NoError(t, os.WriteFile(path, []byte(yml), 0o644))
	return path
}

// An auth.user template that does not finish is an error naming the field
// (exit 2) after simulator.TemplateTimeout, not a hang.
func TestRunSlowUserTemplateExits2(t *testing.T) {
	t.Parallel()
	hs := refServer(t)
	e, _, errb := testEnv(nil)
	code := runCmd(t.Context(), e, "run", []string{slowUser(t), "--target", hs.URL, "--secret", "run-test-secret"})
	assert.Equal(t, exitUsage, code, "stderr %s", errb.String())
	assert.Contains(t, errb.String(), "auth.user")
	assert.Contains(t, errb.String(), "took longer than")
}

// SIGINT while the tokens are minted ends the run: exit 3, and the record
// is written, marked interrupted.
func TestRunInterruptedWhileMintingExits3(t *testing.T) {
	t.Parallel()
	hs := refServer(t)
	out := filepath.Join(t.TempDir(), "minting.json")
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	e, _, errb := testEnv(nil)
	code := runCmd(ctx, e, "run", []string{slowUser(t), "--target", hs.URL, "--secret", "run-test-secret", "--out", out})
	assert.Equal(t, exitInterrupted, code, "stderr %s", errb.String())
	assert.True(t, readRunFile(t, out).Interrupted)
}
