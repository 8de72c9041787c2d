package campaign

import (
	"context"
	"errors"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/test/redistest"
	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/reports"
)

// A managed server of two processes (serve --processes 2 over the shared
// Redis) serves on both, the watch reads one of them throughout, and Stop
// leaves none of its processes behind.
func TestStartServerProcesses(t *testing.T) {
	t.Parallel()
	redistest.Need(t, redistest.Shared)
	srv, err := StartServer(context.Background(), ServerConfig{Exe: stampedeBinary(t), Secret: []byte("s"),
		Args: []string{"--users=100"}, Processes: 2})
	require.NoError(t, err)
	defer srv.Stop()
	assert.Contains(t, srv.Args, "--processes=2")
	pids := srv.Pids()
	require.Len(t, pids, 2, "the first process and the one it started")
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	instances := map[string]bool{}
	for range 20 { // each on a new connection, which the kernel hands to either
		resp, err := fresh.Get(srv.URL + "/healthz")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		instances[resp.Header.Get("X-Stampede-Instance")] = true
	}
	assert.Len(t, instances, 2, "both processes answer")

	w := StartWatch(context.Background(), srv.URL, nil)
	time.Sleep(5 * WatchInterval)
	samples := w.Stop()
	require.GreaterOrEqual(t, len(samples), 3)
	assert.Equal(t, 1, Instances(samples), "every poll on the watch's one connection, to one process")
	srv.Stop()
	for _, pid := range pids {
		assert.Eventually(t, func() bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) },
			5*time.Second, 50*time.Millisecond, "process %d is gone", pid)
	}
}

// A run forced onto two server processes (PerProcess below the
// population): every client connects, the pushes reach the room's members
// on the other process through Redis, and the watch reads one process's
// figures, as the record says.
func TestRunnerManagedProcesses(t *testing.T) {
	t.Parallel()
	redistest.Need(t, redistest.Shared)
	const clients = 40
	// Half the clients send into c0001, of which every user is a member:
	// each sends about once a second, and every client receives every send.
	r := &Runner{Prepare: prepareBuiltin("room-fanout", clients, 3*time.Second, "flows.1.weight=1"),
		Serve: true, Exe: stampedeBinary(t), ServeArgs: []string{"--users=500"}, PerProcess: clients / 2}
	res, err := r.Run(context.Background(), nil)
	require.NoError(t, err)
	rec := res.Record
	require.NotNil(t, rec.Server)
	assert.Equal(t, 2, rec.Server.Processes)
	assert.Equal(t, 1, rec.Server.Watched)
	assert.Contains(t, rec.Server.Args, "--processes=2")
	assert.Contains(t, rec.Server.Args, "--manager=redis")
	assert.EqualValues(t, clients, res.Figures.Values[reports.FigClients], "every client connected")
	assert.Zero(t, rec.Counter(threshold.MetricErrors, nil), "no error")

	event := map[string]string{"event": "events:channel"}
	sent := rec.Counter(threshold.MetricMessagesSent, event)
	received := rec.Counter(threshold.MetricMessagesReceived, event)
	require.Positive(t, sent)
	// Delivered only on the sender's own process, each send would reach
	// about half the members; through Redis it reaches all but the last
	// moment's in flight.
	assert.GreaterOrEqual(t, float64(received), 0.85*float64(sent*clients),
		"%d sends × %d members, %d received", sent, clients, received)

	f := res.Figures.Values
	for _, k := range []string{reports.FigCPUPer1k, reports.FigRSSPer1k, reports.FigBytesPerMin} {
		assert.Contains(t, f, k, "the watch read the server's figures")
	}
	assert.Positive(t, f[reports.FigBytesPerMin])
}
