package simulator

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/sio"
)

// echoClient is the client section for the echo namespace (ECHO-*): no
// token, no /api/config, no user-join, no heartbeat.
const echoClient = `
target: {namespace: /echo}
auth: {mode: none}
client: {user_join: false, fetch_config: false, heartbeat: -1s}
`

// emit, wait_for and emit_with_ack against the echo namespace: templated
// arguments rendered per client ({{.Index}}), sent_ms stamped by {{now_ms}}
// and turned into push latency when it comes back (ECHO-3), binary
// attachments from {{bytes N}} (SIO-5), an ack checked with expect
// (ECHO-4), a mismatch counted as an expect error, and wait_for armed
// before the emit it waits on.
func TestEmitWaitForAndAck(t *testing.T) {
	t.Parallel()
	rt := startRef(t, refserver.Config{})
	env := testEnv(t, rt.url, echoClient+`
flows:
  - steps:
      - emit: {event: message, args: [{text: hi, client: "{{.Index}}", sent_ms: "{{now_ms}}"}]}
      - wait_for: {event: message-back, match: {client: "{{.Index}}", text: hi}, timeout: 2s}
      - emit: {event: message, args: ["{{bytes 16}}"]}
      - wait_for: {event: message-back, timeout: 2s}
      - emit_with_ack: {event: message-with-ack, args: [{text: hello}, "{{bytes 8}}"], expect: {text: hello}}
      - emit_with_ack: {event: message-with-ack, args: [{text: hello}], expect: {text: bye}, tag: mismatch}
      - wait_for: {event: never, timeout: 100ms}
`)
	c := startClients(t, env, 3)
	r := env.Recorder
	eventually(t, func() bool { return errorsOf(r, errTimeout) == 3 }, "every flow at its last wait_for")
	c.stop()
	ts := timerStats(r)
	assert.EqualValues(t, 3, ts[threshold.MetricPush+"{message-back}"].Count, "the echoed sent_ms")
	assert.Less(t, ts[threshold.MetricPush+"{message-back}"].Max, time.Second)
	assert.EqualValues(t, 3, ts[threshold.MetricAck+"{message-with-ack}"].Count)
	assert.EqualValues(t, 3, ts[threshold.MetricAck+"{mismatch}"].Count, "tag names the ack timer")
	assert.EqualValues(t, 3, errorsOf(r, errExpect), "expect {text: bye}")
	assert.Zero(t, errorsOf(r, errDisconnected))
	assert.EqualValues(t, 6, counterValue(r, threshold.MetricMessagesReceived, "event", "message-back"))
	assert.EqualValues(t, 3, counterValue(r, threshold.MetricMessagesReceived, "event", "auth"), "ECHO-2, counted though no step waits for it")
	assert.EqualValues(t, 6, counterValue(r, threshold.MetricMessagesSent, "event", "message"))
	assert.EqualValues(t, 6, counterValue(r, threshold.MetricMessagesSent, "event", "message-with-ack"))
	assert.EqualValues(t, 6, counterValue(r, threshold.MetricMessagesReceived, "event", "message-with-ack"), "acks count as received")
	assert.Greater(t, counterValue(r, threshold.MetricBytesReceived, "event", "message-back"), int64(3*16), "binary attachments")
}

// Open loop, coordinated omission: the server delays every event 100ms
// and a client asks for 20 acks a second, one at a time, so it falls
// behind its schedule; measured from the intended send times the acks grow
// far beyond 100ms (measured from the actual sends they would all be
// ~100ms). The late iterations count as delayed, the ones never started
// before the loop's end as dropped.
func TestOpenLoopMeasuresFromIntendedTime(t *testing.T) {
	t.Parallel()
	rt := startRef(t, refserver.Config{Faults: refserver.Faults{SIO: sio.Faults{EventDelay: 100 * time.Millisecond}}})
	env := testEnv(t, rt.url, echoClient+`
flows:
  - steps:
      - loop:
          rate: 20
          duration: 2s
          steps:
            - emit_with_ack: {event: message-with-ack, args: [{text: hi}], timeout: 10s}
      - think: {fixed: 10s}
`)
	startClients(t, env, 1)
	r := env.Recorder
	eventually(t, func() bool { return counterValue(r, threshold.MetricStartsDropped) > 0 }, "the loop ended")
	ack := timerStats(r)[threshold.MetricAck+"{message-with-ack}"]
	require.NotZero(t, ack.Count)
	t.Logf("ack with 100ms server delay at 20/s: n=%d p50=%v p99=%v max=%v; delayed %d, dropped %d", ack.Count, ack.P50, ack.P99, ack.Max,
		counterValue(r, threshold.MetricStartsDelayed), counterValue(r, threshold.MetricStartsDropped))
	assert.InDelta(t, 20, ack.Count, 3, "one ack per ~100ms for 2s")
	assert.Greater(t, ack.P99, 600*time.Millisecond, "p99 ≫ the server's 100ms: the backlog is measured")
	assert.Greater(t, ack.P50, 300*time.Millisecond)
	assert.Greater(t, counterValue(r, threshold.MetricStartsDelayed), int64(10))
	assert.InDelta(t, 40-ack.Count, counterValue(r, threshold.MetricStartsDropped), 3, "40 intended in 2s, the rest never started")
}

// CHAT-1 via the control API: a client asks for a streamed completion to
// its own user (control stream with {{.User}}), and its listen counts the
// `events` that arrive: the deltas and the final done.
func TestControlStreamReceivedViaListen(t *testing.T) {
	t.Parallel()
	rt := startRef(t, refserver.Config{})
	env := testEnv(t, rt.url, `
client: {heartbeat: 1h}
flows:
  - steps:
      - control: {action: stream, params: {user_id: "{{.User}}", deltas: 5, interval: 10ms}}
      - listen: {events: [events], for: 2s}
`)
	startClients(t, env, 2)
	r := env.Recorder
	eventually(t, func() bool { return counterValue(r, threshold.MetricMessagesReceived, "event", "events") == 12 }, "2 × (5 deltas + done)")
	assert.Zero(t, errorsOf(r, errControl))
}

// A control step with once acts for the first client only; a refused
// control call (a bad mode) counts as a control error.
func TestControlOnceAndErrors(t *testing.T) {
	t.Parallel()
	rt := startRef(t, refserver.Config{})
	env := testEnv(t, rt.url, `
client: {heartbeat: 1h}
flows:
  - steps:
      - think: {until: 300ms}
      - control: {action: events, params: {user_id: u000002, chat_id: c, data: {type: status}}, once: true}
      - control: {action: drop, params: {mode: "{{printf \"%s\" \"sideways\"}}"}}
      - listen: {events: [events], for: 1s}
`)
	startClients(t, env, 3)
	r := env.Recorder
	eventually(t, func() bool { return errorsOf(r, errControl) == 3 }, "three refused drops")
	time.Sleep(100 * time.Millisecond)
	assert.EqualValues(t, 1, counterValue(r, threshold.MetricMessagesReceived, "event", "events"), "one events call, to u000002 only")
}

// disconnect closes cleanly (no reconnect), connect opens again (with the
// whole startup), reconnect is a page reload: close and connect at once.
func TestDisconnectConnectReconnectSteps(t *testing.T) {
	t.Parallel()
	rt := startRef(t, refserver.Config{})
	env := testEnv(t, rt.url, `
client: {heartbeat: 1h, reconnect: {delay: 10ms, delay_max: 20ms}}
flows:
  - steps:
      - connect
      - disconnect
      - think: {fixed: 200ms}
      - connect
      - reconnect
      - listen: {events: [events]}
`)
	startClients(t, env, 1)
	r := env.Recorder
	eventually(t, func() bool { return counterValue(r, threshold.MetricConnections) == 3 }, "three connections")
	eventually(t, func() bool { return rt.srv.SessionCount() == 1 }, "connected at the end")
	assert.Zero(t, counterValue(r, threshold.MetricReconnects), "nothing was lost")
	assert.EqualValues(t, 2, counterValue(r, threshold.MetricDisconnects))
	eventually(t, func() bool { return counterValue(r, threshold.MetricMessagesSent, "event", "user-join") == 3 }, "user-join on every connect")
	assert.Equal(t, []string{"GET /api/config"}, filter(rt.requests(), "GET /api/config"), "/api/config once per process")
}

// Steps that need a connection the client lost for good count as
// disconnected errors and the flow goes on.
func TestStepsAfterServerDisconnect(t *testing.T) {
	t.Parallel()
	rt := startRef(t, refserver.Config{})
	env := testEnv(t, rt.url, `
client: {heartbeat: 1h}
flows:
  - steps:
      - control: {action: drop, params: {mode: close}}
      - think: {fixed: 200ms}
      - emit: {event: heartbeat, args: [{}]}
      - emit_with_ack: {event: heartbeat, args: [{}]}
`)
	c := startClients(t, env, 1)
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the flow did not end")
	}
	assert.EqualValues(t, 2, errorsOf(env.Recorder, errDisconnected))
	assert.Zero(t, counterValue(env.Recorder, threshold.MetricReconnects))
}

func filter(lines []string, prefix string) []string {
	var out []string
	for _, l := range lines {
		if len(l) >= len(prefix) && l[:len(prefix)] == prefix {
			out = append(out, l)
		}
	}
	return out
}
