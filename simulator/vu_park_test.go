package simulator

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/sio"
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
	time.Sleep(time.Second)
	t.Logf("reconnects %d sent %d errors %d sessions %d", counterValue(rec, threshold.MetricReconnects), counterValue(rec, threshold.MetricMessagesSent, "event", "message-with-ack"), counterValue(rec, threshold.MetricErrors), rt.srv.SessionCount())
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

// pacedFlow is a scenario whose clients do count acked emits at rate per
// second in a top-level loop, then emit `done`. A count, not a duration:
// an iteration late on a loaded machine still runs.
func pacedFlow(rate, count int) string {
	return fmt.Sprintf(`
target: {namespace: /echo}
auth: {mode: none}
client: {user_join: false, fetch_config: false, heartbeat: -1s, reconnect: {delay: 20ms, delay_max: 40ms}}
flows: [{steps: [
  {loop: {rate: %d, count: %d, steps: [{emit_with_ack: {event: message-with-ack, args: [{text: hi}], expect: {text: hi}, timeout: 2s}}]}},
  {emit: {event: done, args: [{}]}}]}]`, rate, count)
}

// Clients in a top-level rate loop park between iterations (issue 16): no
// goroutine runs their flow while they wait, yet every iteration runs on
// its schedule and the steps after the loop run once it ends.
func TestParkedRateLoop(t *testing.T) {
	rt := startRef(t, refserver.Config{})
	env := testEnv(t, rt.url, pacedFlow(4, 6))
	c := startClients(t, env, 5)
	rec := env.Recorder
	eventually(t, func() bool {
		return counterValue(rec, threshold.MetricMessagesSent, "event", "message-with-ack") >= 5 && flowGoroutines() == 0
	}, "acking, and parked between iterations")
	eventually(t, func() bool { return counterValue(rec, threshold.MetricMessagesSent, "event", "done") == 5 }, "the step after the loop")
	assert.EqualValues(t, 30, counterValue(rec, threshold.MetricMessagesSent, "event", "message-with-ack"))
	assert.EqualValues(t, 30, counterValue(rec, threshold.MetricStarts))
	assert.Zero(t, counterValue(rec, threshold.MetricStartsDropped))
	assert.Zero(t, counterValue(rec, threshold.MetricErrors), "errors")
	assert.EqualValues(t, 30, timerStats(rec)[threshold.MetricAck+"{message-with-ack}"].Count, "acks timed")
	start := time.Now()
	c.stop()
	assert.Less(t, time.Since(start), 2*time.Second, "parked clients finish promptly")
}

// A client parked in a rate loop whose connection is lost reconnects
// (CLIENT-3) and goes on with the loop: no iteration is lost.
func TestParkedRateLoopLosesConnection(t *testing.T) {
	rt := startRef(t, refserver.Config{})
	env := testEnv(t, rt.url, `
client: {heartbeat: -1s, reconnect: {delay: 20ms, delay_max: 40ms}}
flows: [{steps: [
  {loop: {rate: 4, count: 12, steps: [{emit: {event: heartbeat, args: [{}]}}]}},
  {emit: {event: usage, args: [{}]}}]}]`)
	startClients(t, env, 3)
	rec := env.Recorder
	eventually(t, func() bool {
		return counterValue(rec, threshold.MetricMessagesSent, "event", "heartbeat") >= 6 && flowGoroutines() == 0
	}, "emitting, and parked")
	dropAll(t, rt.url, "transport")
	eventually(t, func() bool { return counterValue(rec, threshold.MetricReconnects) == 3 }, "reconnected")
	eventually(t, func() bool { return counterValue(rec, threshold.MetricMessagesSent, "event", "usage") == 3 }, "the step after the loop")
	assert.EqualValues(t, 36, counterValue(rec, threshold.MetricMessagesSent, "event", "heartbeat"), "12 each")
	assert.Zero(t, counterValue(rec, threshold.MetricStartsDropped))
}

// An ack that never comes is given up on after its timeout, for every
// client sharing the run's ack deadlines (ackDeadlines), and the flow goes
// on.
func TestAckTimeoutSharedDeadlines(t *testing.T) {
	rt := startRef(t, refserver.Config{Faults: refserver.Faults{SIO: sio.Faults{DropAcks: true}}})
	env := testEnv(t, rt.url, `
target: {namespace: /echo}
auth: {mode: none}
client: {user_join: false, fetch_config: false, heartbeat: -1s}
flows: [{steps: [
  {loop: {rate: 10, count: 3, steps: [{emit_with_ack: {event: message-with-ack, args: [{text: hi}], timeout: 200ms}}]}},
  {emit: {event: done, args: [{}]}}]}]`)
	start := time.Now()
	startClients(t, env, 4)
	rec := env.Recorder
	eventually(t, func() bool { return counterValue(rec, threshold.MetricMessagesSent, "event", "done") == 4 }, "the step after the loop")
	assert.EqualValues(t, 12, errorsOf(rec, errAckTimeout), "every emit timed out (the server drops acks)")
	// Three waits in turn, each between 200 and 300 ms.
	assert.GreaterOrEqual(t, time.Since(start), 600*time.Millisecond)
}

// readGoroutines counts the goroutines reading a client websocket.
func readGoroutines() int {
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "client.(*Conn).websocketLoop")
}

// client.park_idle: true: between messages a client's connection holds no
// read goroutine, and its acks still arrive and are timed; false (the
// default) keeps one read goroutine per connection.
func TestParkIdle(t *testing.T) {
	rt := startRef(t, refserver.Config{})
	for _, park := range []bool{false, true} {
		t.Run(fmt.Sprint("park_idle=", park), func(t *testing.T) {
			const n = 8
			flow := strings.Replace(pacedFlow(10, 10), "heartbeat: -1s,", fmt.Sprintf("heartbeat: -1s, park_idle: %v,", park), 1)
			env := testEnv(t, rt.url, flow)
			c := startClients(t, env, n)
			rec := env.Recorder
			readers := 0
			eventually(t, func() bool {
				readers = readGoroutines()
				return counterValue(rec, threshold.MetricMessagesSent, "event", "message-with-ack") >= n && (!park || readers == 0)
			}, "acking (and, parking, no read goroutine between acks)")
			if !park { // at least: a connection of an earlier test may still be closing
				assert.GreaterOrEqual(t, readers, n, "one read goroutine per connection")
			}
			eventually(t, func() bool { return counterValue(rec, threshold.MetricMessagesSent, "event", "done") == n }, "the step after the loop")
			assert.EqualValues(t, 10*n, timerStats(rec)[threshold.MetricAck+"{message-with-ack}"].Count, "acks timed")
			assert.Zero(t, counterValue(rec, threshold.MetricErrors), "errors")
			c.stop()
		})
	}
}
