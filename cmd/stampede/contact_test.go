package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/test/nodepeer"
	"github.com/stampede-sio/stampede/internal/threshold"
)

// nodeServer starts a Node script of testdata/node for the test.
func nodeServer(t *testing.T, script string) string {
	t.Helper()
	p, err := nodepeer.Start(script)
	require.NoError(t, err)
	t.Cleanup(p.Stop)
	return p.URL
}

// First contact (issue 14): echo-baseline, unmodified, against Node
// socket.io servers, with the target written as for socket.io-client: the
// path with or without its trailing slash, the namespace in the URL, and
// servers without /metrics (echo-server.js answers it 404, stock-server.js
// never answers it).
func TestRunFirstContactNode(t *testing.T) {
	t.Parallel()
	echo := nodeServer(t, "echo-server.js")
	stock := nodeServer(t, "stock-server.js")
	tests := []struct {
		name string
		args []string
	}{
		{"path without slash", []string{"--target", echo, "--set", "target.path=/socket.io", "--set", "target.namespace=/"}},
		{"path with slash", []string{"--target", echo, "--set", "target.path=/socket.io/", "--set", "target.namespace=/"}},
		{"namespace in the URL", []string{"--target", echo + "/custom", "--set", "target.path=/socket.io"}},
		{"ws scheme", []string{"--target", "ws" + echo[len("http"):] + "/", "--set", "target.path=/socket.io", "--set", "target.namespace=/"}},
		{"/metrics never answered", []string{"--target", stock + "/", "--set", "target.path=/socket.io", "--set", "target.namespace=/"}},
		{"/metrics never answered, scraping off", []string{"--target", stock, "--set", "target.path=/socket.io", "--set", "target.namespace=/", "--set", "target.metrics=false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "run.json")
			e, _, errb := testEnv(nil)
			args := append([]string{"echo-baseline", "--vus", "4", "--duration", "2s", "--quiet", "--out", out}, tt.args...)
			code := runCmd(t.Context(), e, "run", args)
			require.NotEqual(t, exitUsage, code, "reachable: %s", errb.String())
			rec := readRunFile(t, out)
			assert.Positive(t, rec.Counter(threshold.MetricConnections, nil))
			assert.Zero(t, rec.Counter(threshold.MetricErrors, nil), "errors: %+v", rec.Errors)
			assert.Equal(t, exitOK, code, "stderr: %s", errb.String())
		})
	}
}

// echo-fanout, unmodified, fans out through rooms on the stock Node echo
// server (ECHO-7 join/shout): every join acked, every shout delivered, no
// error (issue 14: a fan-out scenario for any Socket.IO server).
func TestRunEchoFanoutNode(t *testing.T) {
	t.Parallel()
	echo := nodeServer(t, "echo-server.js")
	out := filepath.Join(t.TempDir(), "run.json")
	e, _, errb := testEnv(nil)
	code := runCmd(t.Context(), e, "run", []string{"echo-fanout", "--vus", "50", "--duration", "8s", "--quiet", "--out", out,
		"--target", echo + "/custom", "--set", "target.path=/socket.io"})
	rec := readRunFile(t, out)
	assert.Equal(t, exitOK, code, "stderr: %s", errb.String())
	assert.Zero(t, rec.Counter(threshold.MetricErrors, nil), "errors: %+v", rec.Errors)
	assert.Positive(t, rec.Counter(threshold.MetricMessagesReceived, map[string]string{"event": "shouted"}), "shouts delivered")
}

// check reaches the same servers with the same spellings: the Socket.IO
// path with or without its slash, the echo namespace in the URL.
func TestCheckFirstContactNode(t *testing.T) {
	t.Parallel()
	echo := nodeServer(t, "echo-server.js")
	stock := nodeServer(t, "stock-server.js")
	for _, args := range [][]string{
		{"--target", echo + "/custom", "--path", "/socket.io"},
		{"--target", echo + "/custom/", "--path", "/socket.io/"},
		{"--target", "ws" + echo[len("http"):] + "/", "--path", "socket.io"},
		{"--target", stock, "--path", "/socket.io", "--echo-namespace", "/"},
	} {
		e, _, errb := testEnv(nil)
		code := runCmd(t.Context(), e, "check", append(args, "--layer", "engineio", "--run", "^EIO-1/", "--quiet"))
		assert.Equal(t, exitOK, code, "args %v: %s", args, errb.String())
	}
	// A wrong path says so, and what to try.
	e, _, errb := testEnv(nil)
	code := runCmd(t.Context(), e, "check", []string{"--target", echo, "--engineio-path", "/nope/", "--layer", "engineio", "--run", "^EIO-1/", "--quiet"})
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errb.String(), "--path /socket.io")
}

// stampede help help explains help, like any other command's help.
func TestHelpHelp(t *testing.T) {
	t.Parallel()
	e, out, errb := testEnv(nil)
	require.Equal(t, exitOK, run(t.Context(), e, []string{"help", "help"}), errb.String())
	assert.Contains(t, out.String(), "Usage: stampede help [COMMAND]")
}
