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
	var pushes int64
	for _, tm := range v.p.m.rec.Snapshot().Timers {
		if tm.Metric == threshold.MetricPush {
			pushes += tm.Count
		}
	}
	assert.Equal(t, int64(1002), pushes, "every event's push latency recorded")
}

func BenchmarkOnEventSentMS(b *testing.B) {
	v := onEventVU(b)
	ev := pushed(time.Now().UnixMilli())
	b.ReportAllocs()
	for b.Loop() {
		v.onEvent(ev)
	}
}
