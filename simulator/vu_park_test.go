package simulator

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/refserver"
)

// flowGoroutines counts the goroutines running a virtual client's flow.
func flowGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "simulator.(*vu).") || strings.Contains(g, "simulator.(*Env).StartVU") {
			count++
		}
	}
	return count
}

// Clients waiting at the top level of their flow (listen until the end,
// think) or holding their connection after it keep no goroutine; they still
// heartbeat, go on with the next step when a think ends, and finish when
// the run ends.
func TestParkedClientsHoldNoGoroutine(t *testing.T) {
	rt := startRef(t, refserver.Config{})
	tests := []struct{ name, flow string }{
		{"listen", `[{listen: {events: [events]}}]`},
		{"hold", `[{think: {fixed: 20ms}}, {emit: {event: heartbeat, args: [{}]}}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(t, rt.url, "client: {heartbeat: 50ms}\nflows: [{steps: "+tt.flow+"}]")
			c := startClients(t, env, 5)
			rec := env.Recorder
			eventually(t, func() bool {
				return counterValue(rec, threshold.MetricMessagesReceived, "event", "user-join") == 5
			}, "connected and joined")
			sent := counterValue(rec, threshold.MetricMessagesSent, "event", "heartbeat")
			eventually(t, func() bool {
				return counterValue(rec, threshold.MetricMessagesSent, "event", "heartbeat") >= sent+10
			}, "heartbeating")
			assert.Zero(t, flowGoroutines(), "goroutines running a flow")
			start := time.Now()
			c.stop()
			assert.Less(t, time.Since(start), 2*time.Second, "parked clients finish promptly")
			assert.Zero(t, rec.Gauge(threshold.MetricClients).Value())
		})
	}
}

// A parked client whose connection is lost reconnects (CLIENT-3) and parks
// again; one whose server disconnected it (CLIENT-4) finishes by itself
// when it was holding, and stays until the end in a listen.
func TestParkedClientLosesConnection(t *testing.T) {
	rt := startRef(t, refserver.Config{})
	env := testEnv(t, rt.url, `
client: {heartbeat: 1h, reconnect: {delay: 20ms, delay_max: 40ms}}
flows: [{steps: [{think: {fixed: 10ms}}]}]`)
	c := startClients(t, env, 3)
	rec := env.Recorder
	eventually(t, func() bool { return rt.srv.SessionCount() == 3 && flowGoroutines() == 0 }, "connected and parked")

	dropAll(t, rt.url, "transport")
	eventually(t, func() bool { return counterValue(rec, threshold.MetricReconnects) == 3 }, "reconnected")
	eventually(t, func() bool { return rt.srv.SessionCount() == 3 && flowGoroutines() == 0 }, "parked again")

	dropAll(t, rt.url, "close")
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		t.Fatal("holding clients did not finish after the server disconnected them")
	}
	assert.EqualValues(t, 3, counterValue(rec, threshold.MetricReconnects), "no reconnect after DISCONNECT")
}

// dropAll has the refserver drop every connection (control action drop,
// with mode transport or close), through a client of its own that is not
// connected.
func dropAll(t *testing.T, target, mode string) {
	t.Helper()
	env := testEnv(t, target, "flows: [{steps: [{control: {action: drop, params: {mode: "+mode+"}}}]}]")
	v, ok := env.plan.newVU(0, time.Now())
	require.True(t, ok)
	defer v.close()
	v.control(context.Background(), env.plan.flows[0].steps[0].control)
	require.Zero(t, errorsOf(env.Recorder, errControl), "the control call worked")
}
