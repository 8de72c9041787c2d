package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/reports"
)

// The managed servers of these tests are the test binary itself, standing
// in for stampede (TestMain runs main under STAMPEDE_TEST_AS_MAIN).
func init() {
	serveExecutable = func() (string, []string, error) {
		return os.Args[0], []string{"STAMPEDE_TEST_AS_MAIN=1"}, nil
	}
}

// A sweep over a server setting: one row per value as given, each run on
// its own server whose settings its record keeps.
func TestSweepServerSetting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e, out, errb := testEnv(nil)
	code := run(context.Background(), e, []string{"sweep", "heartbeat-load", "--serve", "--serve-arg", "users=200",
		"--vary", "server.ping_interval=300ms,1s", "--vus", "20", "--duration", "3s", "--set", "client.heartbeat=1s", "--out", dir})
	require.Equal(t, exitOK, code, "stderr: %s", errb.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 3, out.String())
	assert.Regexp(t, `^server\.ping_interval +clients .* thresholds$`, lines[0])
	assert.Regexp(t, `^300ms +20 .* ok$`, lines[1])
	assert.Regexp(t, `^1s +20 .* ok$`, lines[2])
	assert.Contains(t, errb.String(), "run 1/2 server.ping_interval=300ms: ok")

	for i, want := range []string{"300ms", "1s"} {
		rec, err := reports.ReadRunFile(filepath.Join(dir, []string{"run-01.json", "run-02.json"}[i]))
		require.NoError(t, err)
		require.NotNil(t, rec.Server, "a managed run says so")
		assert.Equal(t, map[string]string{"ping_interval": want}, rec.Server.Settings)
		assert.Contains(t, rec.Server.Args, "--ping-interval="+want)
		assert.Contains(t, rec.Server.Args, "--users=200")
	}
	for _, name := range []string{"sweep.txt", "sweep.md", "sweep.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.Contains(t, string(b), "300ms", name)
	}
	page, err := os.ReadFile(filepath.Join(dir, "sweep.html"))
	require.NoError(t, err)
	assert.Contains(t, string(page), `data-plot="clients" data-points="2"`)
	assert.Contains(t, string(page), `<a href="run-01.json">`)
}

// A sweep's run above --clients-per-worker is split over worker processes
// (this test binary as stampede), as stampede run splits it: each run's
// record is the merge of its workers', every client in it. Not parallel:
// it replaces workerExecutable.
func TestSweepSplitsOverWorkers(t *testing.T) {
	var started atomic.Int32 // runWorkers calls, one per split run
	restore := workerExecutable
	workerExecutable = func() (string, []string, []string, error) {
		started.Add(1)
		return os.Args[0], nil, []string{"STAMPEDE_TEST_AS_MAIN=1"}, nil
	}
	defer func() { workerExecutable = restore }()
	dir := t.TempDir()
	e, out, errb := testEnv(nil)
	code := run(context.Background(), e, []string{"sweep", "heartbeat-load", "--serve", "--serve-arg", "users=200",
		"--vary", "server.ping_interval=300ms,1s", "--vus", "10", "--duration", "3s", "--set", "client.heartbeat=1s",
		"--clients-per-worker", "5", "--out", dir})
	require.Equal(t, exitOK, code, "stderr: %s", errb.String())
	assert.EqualValues(t, 2, started.Load(), "each run split over workers")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 3, out.String())
	assert.Regexp(t, `^300ms +10 .* ok$`, lines[1])
	for i, want := range []string{"300ms", "1s"} {
		rec, err := reports.ReadRunFile(filepath.Join(dir, []string{"run-01.json", "run-02.json"}[i]))
		require.NoError(t, err)
		assert.Empty(t, rec.Segments, "the merged record is the whole run")
		assert.EqualValues(t, 10, rec.Counter(threshold.MetricConnections, nil), "2 workers, 10 clients")
		assert.Positive(t, rec.Counter(threshold.MetricMessagesSent, map[string]string{"event": "heartbeat"}), "the clients' heartbeats")
		require.NotNil(t, rec.Server)
		assert.Equal(t, map[string]string{"ping_interval": want}, rec.Server.Settings)
	}
}

func TestSweepUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"server key without --serve", []string{"heartbeat-load", "--vary", "server.ping_interval=1s,2s"}, "server.ping_interval is a server setting: it needs --serve"},
		{"nothing to vary", []string{"heartbeat-load"}, "nothing to vary"},
		{"bad vary", []string{"heartbeat-load", "--vary", "client.heartbeat"}, "want KEY=V1,V2"},
		{"bad value", []string{"heartbeat-load", "--vary", "client.heartbeat=soon"}, "client.heartbeat=soon"},
		{"serve and target", []string{"heartbeat-load", "--serve", "--target", "http://127.0.0.1:1", "--vary", "client.heartbeat=1s"}, "--serve and --target"},
		{"clients per worker", []string{"heartbeat-load", "--clients-per-worker", "0", "--vary", "client.heartbeat=1s"}, "--clients-per-worker 0: want a positive number"},
		{"sessions per process", []string{"heartbeat-load", "--serve", "--sessions-per-process", "-1", "--vary", "client.heartbeat=1s"}, "--sessions-per-process -1: want a positive number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, _, errb := testEnv(nil)
			assert.Equal(t, exitUsage, run(context.Background(), e, append([]string{"sweep"}, tc.args...)))
			assert.Contains(t, errb.String(), tc.want)
		})
	}
}
