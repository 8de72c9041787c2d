package simulator

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
	"github.com/stampede-sio/stampede/internal/threshold"
)

// pushed is an open-webui `events` push carrying sent_ms, as a listen step
// receives it (CHAT-1).
func pushed(ms int64) client.Event {
	arg := `{"channel_id":"c0001","data":{"type":"typing","data":{"sent_ms":"` + strconv.FormatInt(ms, 10) + `"}}}`
	return client.Event{Name: "events", Payload: client.Payload{Args: []json.RawMessage{json.RawMessage(arg)}}, AckID: socketio.NoID}
}

func onEventVU(tb testing.TB) *vu {
	env := testEnv(tb, "http://127.0.0.1:1", `flows: [{steps: [{listen: {events: [events]}}]}]`)
	v, ok := env.plan.newVU(0, time.Now())
	require.True(tb, ok)
	return v
}

// A pushed event with sent_ms is counted and its push latency recorded
// without allocating: the simulator does this for every event it
// receives (the receive path, issue 16).
func TestOnEventSentMSAllocs(t *testing.T) {
	v := onEventVU(t)
	ev := pushed(time.Now().UnixMilli())
	v.onEvent(ev) // the first creates the event's metrics
	allocs := testing.AllocsPerRun(1000, func() { v.onEvent(ev) })
	assert.Zero(t, allocs, "allocations per received event")
	assert.Equal(t, int64(1002), counterValue(v.p.m.rec, threshold.MetricMessagesReceived, "event", "events"))
	assert.Equal(t, int64(1002), pushCount(v), "every event's push latency recorded")
}

func BenchmarkOnEventSentMS(b *testing.B) {
	v := onEventVU(b)
	ev := pushed(time.Now().UnixMilli())
	b.ReportAllocs()
	for b.Loop() {
		v.onEvent(ev)
	}
}

// peekEvent, the read goroutine's path for events nothing waits for,
// counts and times an event from its raw bytes without allocating, and
// leaves it to onEvent while a wait_for is in progress (issue 16).
func TestPeekEventSentMS(t *testing.T) {
	v := onEventVU(t)
	first := []byte(`{"channel_id":"c0001","data":{"type":"typing","data":{"sent_ms":"` + strconv.FormatInt(time.Now().UnixMilli(), 10) + `"}}}`)
	ev := client.PeekedEvent{Name: []byte("events"), FirstArg: first, Size: 6 + 4 + len(first)}
	require.True(t, v.peekEvent(ev))
	allocs := testing.AllocsPerRun(1000, func() { v.peekEvent(ev) })
	assert.Zero(t, allocs, "allocations per peeked event")
	assert.Equal(t, int64(1002), counterValue(v.p.m.rec, threshold.MetricMessagesReceived, "event", "events"))
	assert.Equal(t, int64(1002), pushCount(v), "every event's push latency recorded")

	v.waiter.Store(&waiter{event: "events", done: make(chan struct{})})
	assert.False(t, v.peekEvent(ev), "a wait_for in progress sees the decoded event")
	assert.Equal(t, int64(1002), counterValue(v.p.m.rec, threshold.MetricMessagesReceived, "event", "events"), "declined: not counted")
}

// pushCount is the number of push latencies v's recorder holds.
func pushCount(v *vu) int64 {
	var n int64
	for _, tm := range v.p.m.rec.Snapshot().Timers {
		if tm.Metric == threshold.MetricPush {
			n += tm.Count
		}
	}
	return n
}
