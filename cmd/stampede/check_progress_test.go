package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/refservertest"
)

func fastRefserver(t *testing.T, opts ...refservertest.Option) string {
	t.Helper()
	_, u := refservertest.Start(t, refserver.Config{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond,
		Transports: []string{"polling", "websocket"}}, opts...)
	return u
}

// stderr gets the estimate first, then a line per case on a terminal or a
// line per layer elsewhere; --quiet silences it.
func TestCheckProgress(t *testing.T) {
	t.Parallel()
	url := fastRefserver(t)
	args := []string{"check", "--target", url, "--run", "^(EIO-4/open-packet|EIO-1/path|SIO-3/invalid-namespace)$"}
	for _, tt := range []struct {
		name     string
		terminal bool
		extra    []string
		want     []string
		not      []string
	}{
		{"terminal", true, nil, []string{"3 cases, about", "pingInterval 300ms", "] pass EIO-4/open-packet ", "] pass SIO-3/invalid-namespace "},
			[]string{"engineio: "}},
		{"not a terminal", false, nil, []string{"3 cases, about", "engineio: 2 cases, 2 pass, ", "socketio: 1 cases, 1 pass, "},
			[]string{"EIO-4/open-packet"}},
		{"quiet", true, []string{"--quiet"}, nil, []string{"cases", "pass"}},
	} {
		e, out, errb := testEnv(nil)
		e.terminal = func(w io.Writer) bool { return tt.terminal && w == e.stderr }
		require.Equal(t, exitOK, run(context.Background(), e, append(args, tt.extra...)), "%s: %s", tt.name, errb)
		for _, w := range tt.want {
			assert.Contains(t, errb.String(), w, tt.name)
		}
		for _, n := range tt.not {
			assert.NotContains(t, errb.String(), n, tt.name)
		}
		if tt.name == "quiet" {
			assert.Empty(t, errb.String())
			assert.Empty(t, out.String())
		}
	}
}

// The JSON keeps the evidence of a passing case: what was sent and what
// came back.
func TestCheckEvidenceOfPasses(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "check.json")
	e, _, errb := testEnv(nil)
	require.Equal(t, exitOK, run(context.Background(), e, []string{"check", "--target", fastRefserver(t),
		"--run", "^EIO-4/open-packet$", "--json", out, "--quiet"}), errb.String())
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	var rec struct {
		Schema  int
		Summary map[string]int
		Cases   []struct {
			Status, Source string
			Evidence       []string
		}
	}
	require.NoError(t, json.Unmarshal(b, &rec))
	assert.Equal(t, 2, rec.Schema)
	assert.Contains(t, rec.Summary, "warned")
	require.Len(t, rec.Cases, 1)
	assert.Equal(t, "pass", rec.Cases[0].Status)
	assert.Equal(t, "upstream", rec.Cases[0].Source)
	require.NotEmpty(t, rec.Cases[0].Evidence)
	evidence := strings.Join(rec.Cases[0].Evidence, "\n")
	assert.Contains(t, evidence, "> GET /ws/socket.io/?EIO=4&transport=polling", "what was sent")
	assert.Contains(t, evidence, `< HTTP 200 "0{\"sid\":`, "the OPEN packet it was decided on")
}

// messagesArePongs is a server that takes any message for a pong (a pong
// added to every POST carrying a message): it breaks only the part of
// EIO-5/other-packets that is stricter than upstream.
func messagesArePongs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Query().Get("sid") != "" {
			b, _ := io.ReadAll(r.Body)
			body := string(b)
			if strings.HasPrefix(body, "4") || strings.Contains(body, "\x1e4") {
				body += "\x1e3"
			}
			r.Body = io.NopCloser(strings.NewReader(body))
			r.ContentLength = int64(len(body))
		}
		next.ServeHTTP(w, r)
	})
}

// A warning exits 0, and 1 under --strict; the text says WARN, the JSON
// warn and warned, the JUnit a failure only under --strict.
func TestCheckWarnStrict(t *testing.T) {
	t.Parallel()
	url := fastRefserver(t, refservertest.Wrap(messagesArePongs))
	for _, strict := range []bool{false, true} {
		dir := t.TempDir()
		args := []string{"check", "--target", url, "--run", "^EIO-5/other-packets$",
			"--json", filepath.Join(dir, "c.json"), "--junit", filepath.Join(dir, "c.xml")}
		if strict {
			args = append(args, "--strict")
		}
		e, out, errb := testEnv(nil)
		code := run(context.Background(), e, args)
		assert.Equal(t, map[bool]int{false: exitOK, true: exitFailed}[strict], code, "strict %v: %s%s", strict, out, errb)
		assert.Contains(t, out.String(), "WARN EIO-5/other-packets")
		assert.Contains(t, out.String(), "0 failed, 1 warned")
		b, err := os.ReadFile(filepath.Join(dir, "c.json"))
		require.NoError(t, err)
		assert.Contains(t, string(b), `"status": "warn"`)
		assert.Contains(t, string(b), `"warned": 1`)
		x, err := os.ReadFile(filepath.Join(dir, "c.xml"))
		require.NoError(t, err)
		assert.Equal(t, strict, strings.Contains(string(x), `type="WARN"`), "strict %v: %s", strict, x)
	}
}
