package campaign

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/reports"
	"github.com/stampede-sio/stampede/scenarios"
	"github.com/stampede-sio/stampede/simulator"
)

// prepareBuiltin is a Runner's Prepare for a built-in scenario scaled to
// vus clients and d.
func prepareBuiltin(name string, vus int, d time.Duration, base ...string) func([]string, int) (*scenarios.Scenario, error) {
	return func(sets []string, size int) (*scenarios.Scenario, error) {
		n := vus
		if size > 0 {
			n = size
		}
		s, err := scenarios.Builtin(name)
		if err != nil {
			return nil, err
		}
		for _, kv := range append(append([]string(nil), base...), sets...) {
			k, v, _ := strings.Cut(kv, "=")
			if err := scenarios.Set(s, k, v); err != nil {
				return nil, err
			}
		}
		s = scenarios.Scale(s, n, d)
		return s, s.Validate()
	}
}

// A run on a managed server records the server's settings and measures
// what the server's own figures say, vanished clients included.
func TestRunnerManaged(t *testing.T) {
	t.Parallel()
	r := &Runner{Prepare: prepareBuiltin("ping-settings", 40, 8*time.Second), Serve: true, Exe: stampedeBinary(t),
		ServeArgs: []string{"--users=500"}}
	res, err := r.Run(context.Background(), []string{"server.ping_interval=500ms", "server.ping_timeout=500ms"})
	require.NoError(t, err)
	rec := res.Record
	require.NotNil(t, rec.Server)
	assert.Equal(t, map[string]string{"ping_interval": "500ms", "ping_timeout": "500ms"}, rec.Server.Settings)
	assert.Contains(t, rec.Server.Args, "--ping-interval=500ms")
	assert.Contains(t, rec.Server.Args, "--users=500")
	assert.Equal(t, 1, rec.Server.Processes)
	f := res.Figures.Values
	assert.EqualValues(t, 40, f[reports.FigClients])
	assert.Positive(t, f[reports.FigBytesPerMin], "heartbeats and pings went over the wire")
	assert.Contains(t, f, reports.FigCPUPer1k)
	assert.Contains(t, f, reports.FigRSSPer1k)
	// Every client vanished at 5.3s (12s of 18s, scaled to 8s): the server
	// drops each within ping interval + timeout (1s), and the pool with it.
	for _, k := range []string{reports.FigVanishConn, reports.FigVanishCount} {
		require.Contains(t, f, k)
		assert.False(t, res.Figures.Open[k], k)
		assert.Greater(t, f[k], 0.3, k)
		assert.Less(t, f[k], 2.5, k)
	}
}

// A bad --set value is the caller's error, before any server starts.
func TestRunnerBadSet(t *testing.T) {
	t.Parallel()
	r := &Runner{Prepare: prepareBuiltin("ping-settings", 10, 2*time.Second), Serve: true, Exe: stampedeBinary(t)}
	_, err := r.Run(context.Background(), []string{"client.heartbeat=soon"})
	assert.ErrorIs(t, err, ErrScenario)
}

func TestVanishAt(t *testing.T) {
	t.Parallel()
	s, err := scenarios.Builtin("ping-settings")
	require.NoError(t, err)
	at, ok := VanishAt(s)
	assert.True(t, ok)
	assert.Equal(t, 12*time.Second, at)
	s, err = scenarios.Builtin("room-fanout")
	require.NoError(t, err)
	_, ok = VanishAt(s)
	assert.False(t, ok, "no flow vanishes")
}

// Without Simulate a run bigger than one simulator process is refused
// before it starts; with it, Simulate gets the run as prepared, with the
// sets and size it was prepared from.
func TestRunnerSimulate(t *testing.T) {
	t.Parallel()
	big := simulator.DefaultClientsPerWorker + 1
	r := &Runner{Prepare: prepareBuiltin("echo-baseline", 10, 2*time.Second), Target: "http://127.0.0.1:1/echo"}
	_, err := r.RunSized(context.Background(), nil, big)
	require.ErrorIs(t, err, ErrTooBig)

	var got Simulation
	r.Simulate = func(_ context.Context, sim Simulation) (*reports.Run, error) {
		got = sim
		return &reports.Run{Scenario: sim.Config.Scenario.Name}, nil
	}
	res, err := r.RunSized(context.Background(), []string{"client.heartbeat=2s"}, big)
	require.NoError(t, err)
	assert.Equal(t, "echo-baseline", res.Record.Scenario)
	assert.Equal(t, []string{"client.heartbeat=2s"}, got.Sets)
	assert.Equal(t, big, got.VUs)
	assert.Equal(t, big, got.Config.Scenario.Peak())
	assert.Equal(t, []string{"http://127.0.0.1:1/echo"}, got.Config.Targets)
}
