package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/test/redistest"
	"github.com/stampede-sio/stampede/reports"
)

// run --serve starts its own server with the scenario's server settings
// and --serve-arg, and the record says which.
func TestRunServe(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "r.json")
	e, _, errb := testEnv(nil)
	code := run(context.Background(), e, []string{"run", "heartbeat-load", "--serve", "--serve-arg", "users=100",
		"--serve-arg", "--ping-timeout=400ms", "--set", "server.ping_interval=500ms", "--set", "client.heartbeat=1s",
		"--vus", "10", "--duration", "2s", "--out", out, "--quiet"})
	require.Equal(t, exitOK, code, errb.String())
	rec, err := reports.ReadRunFile(out)
	require.NoError(t, err)
	require.NotNil(t, rec.Server)
	assert.Equal(t, map[string]string{"ping_interval": "500ms"}, rec.Server.Settings)
	assert.Equal(t, []string{"--users=100", "--ping-timeout=400ms", "--ping-interval=500ms", "--addr=127.0.0.1:0", "--log-level=warn"}, rec.Server.Args)
	assert.Equal(t, 1, rec.Server.Processes)
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, rec.Targets[0])
}

// --sessions-per-process below the population runs the managed server as
// several processes over Redis, and the record says so.
func TestRunServeProcesses(t *testing.T) {
	t.Parallel()
	redistest.Need(t, redistest.Shared)
	out := filepath.Join(t.TempDir(), "r.json")
	e, _, errb := testEnv(nil)
	code := run(context.Background(), e, []string{"run", "echo-baseline", "--serve", "--sessions-per-process", "5",
		"--vus", "10", "--duration", "2s", "--out", out, "--quiet"})
	require.Equal(t, exitOK, code, errb.String())
	rec, err := reports.ReadRunFile(out)
	require.NoError(t, err)
	require.NotNil(t, rec.Server)
	assert.Equal(t, 2, rec.Server.Processes)
	assert.Contains(t, rec.Server.Args, "--processes=2")
}

func TestRunServeUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"run", "heartbeat-load", "--serve", "--target", "http://127.0.0.1:1"},
		{"run", "heartbeat-load", "--serve-arg", "ping-interval=1s"},
		{"run", "heartbeat-load", "--serve", "--sessions-per-process", "0"},
	} {
		e, _, _ := testEnv(nil)
		assert.Equal(t, exitUsage, run(context.Background(), e, args), args)
	}
	e, _, errb := testEnv(nil)
	assert.Equal(t, exitUsage, run(context.Background(), e, []string{"run", "heartbeat-load", "--serve", "--serve-arg", "no-such-flag=1", "--vus", "1", "--duration", "1s"}))
	assert.Contains(t, errb.String(), "no-such-flag")
}
