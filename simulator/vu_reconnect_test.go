package simulator

import (
	"maps"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/refserver"
)

// recoveryLog collects Env.OnRecovered calls.
type recoveryLog struct {
	mu  sync.Mutex
	got map[int]time.Duration
}

func (r *recoveryLog) hook(index int, lost, restored time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got[index] = restored.Sub(lost)
}

func (r *recoveryLog) all() map[int]time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.got)
}

func userIDs(m map[string]string) []string {
	return slices.Sorted(maps.Values(m))
}

// CLIENT-3, CLIENT-4: after the server cuts every transport (control drop,
// mode transport, once), every client reconnects, with the same user (the
// same token), after the backoff of attempt 0 (delay 100ms, randomization
// 0.5: 50–150ms), and reports its recovery; the heartbeat comes back with
// the connection (CLIENT-5).
func TestReconnectAfterTransportDrop(t *testing.T) {
	t.Parallel()
	rt := startRef(t, refserver.Config{})
	env := testEnv(t, rt.url, `
client: {heartbeat: 1h, reconnect: {delay: 100ms, delay_max: 400ms}}
flows:
  - steps:
      - think: {until: 300ms}
      - control: {action: drop, params: {mode: transport}, once: true}
`)
	rec := &recoveryLog{got: map[int]time.Duration{}}
	env.OnRecovered = rec.hook
	startClients(t, env, 5)
	eventually(t, func() bool { return len(rt.sessions(t)) == 5 }, "connected")
	before := userIDs(rt.sessions(t))
	eventually(t, func() bool { return len(rec.all()) == 5 }, "every client recovered")
	eventually(t, func() bool { return len(rt.sessions(t)) == 5 }, "reconnected")
	assert.Equal(t, before, userIDs(rt.sessions(t)), "the same users: the same auth")
	for i, d := range rec.all() {
		assert.GreaterOrEqual(t, d, 50*time.Millisecond, "client %d: attempt 0 waits at least 50ms", i)
		assert.Less(t, d, 400*time.Millisecond, "client %d", i)
	}
	r := env.Recorder
	assert.EqualValues(t, 5, counterValue(r, threshold.MetricReconnects))
	assert.EqualValues(t, 10, counterValue(r, threshold.MetricConnections))
	assert.EqualValues(t, 5, counterValue(r, threshold.MetricDisconnects))
	assert.Zero(t, errorsOf(r, errControl), "the control call worked")
	assert.EqualValues(t, 5, timerStats(r)[threshold.MetricReconnect].Count)
	eventually(t, func() bool { return env.plan.hb.len() == 5 }, "heartbeats restarted")
	eventually(t, func() bool { return counterValue(r, threshold.MetricMessagesSent, "event", "user-join") == 10 }, "user-join again after each reconnect")
}

// CLIENT-4: after the server's DISCONNECT (control drop, mode close) no
// client reconnects; their flows are over, so they return by themselves.
func TestNoReconnectAfterServerDisconnect(t *testing.T) {
	t.Parallel()
	rt := startRef(t, refserver.Config{})
	env := testEnv(t, rt.url, `
client: {heartbeat: 1h, reconnect: {delay: 20ms, delay_max: 40ms}}
flows:
  - steps:
      - think: {until: 300ms}
      - control: {action: drop, params: {mode: close}, once: true}
`)
	c := startClients(t, env, 4)
	eventually(t, func() bool { return len(rt.sessions(t)) == 4 }, "connected")
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the clients did not end after the server disconnected them")
	}
	r := env.Recorder
	assert.Zero(t, counterValue(r, threshold.MetricReconnects))
	assert.EqualValues(t, 4, counterValue(r, threshold.MetricConnections))
	assert.EqualValues(t, 4, counterValue(r, threshold.MetricDisconnects))
	eventually(t, func() bool { return rt.srv.SessionCount() == 0 }, "every connection closed")
}

// refusing is a TCP listener that accepts and closes at once, noting when:
// every dial to it fails after TCP connect.
func refusing(t *testing.T) (addr string, accepts func() []time.Time) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var at []time.Time
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			at = append(at, time.Now())
			mu.Unlock()
			c.Close()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return "http://" + ln.Addr().String(), func() []time.Time {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(at)
	}
}

// CLIENT-3: failed attempts are retried after socket.io-client's backoff:
// with delay 100ms, delay_max 400ms and randomization 0.5, attempt 0 waits
// 50–150ms, 1 100–300ms, 2 200–400ms, 3 and later 400ms; attempts bounds
// them (the client then gives up and counts one reconnect error).
func TestBackoffBetweenAttempts(t *testing.T) {
	t.Parallel()
	target, accepts := refusing(t)
	env := testEnv(t, target, `
client: {fetch_config: false, heartbeat: -1s, reconnect: {delay: 100ms, delay_max: 400ms, attempts: 5}}
flows: [{steps: [connect]}]
`)
	c := startClients(t, env, 1)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not give up")
	}
	at := accepts()
	require.Len(t, at, 6, "the first dial and 5 attempts")
	ms := time.Millisecond
	ranges := [][2]time.Duration{{50 * ms, 150 * ms}, {100 * ms, 300 * ms}, {200 * ms, 400 * ms}, {400 * ms, 400 * ms}, {400 * ms, 400 * ms}}
	const slack = 60 * time.Millisecond // the dial itself and scheduling
	for i, r := range ranges {
		gap := at[i+1].Sub(at[i])
		assert.True(t, gap >= r[0] && gap <= r[1]+slack, "attempt %d came %v after the previous, want %v–%v", i, gap, r[0], r[1])
	}
	r := env.Recorder
	assert.EqualValues(t, 6, counterValue(r, threshold.MetricConnections))
	assert.EqualValues(t, 5, counterValue(r, threshold.MetricReconnects))
	assert.EqualValues(t, 6, errorsOf(r, errDial))
	assert.EqualValues(t, 1, errorsOf(r, errReconnect))
}

// EIO-5 from the client's side: a vanished client answers no ping, so the
// server drops it after its ping timeout; when the vanish ends the client
// wakes up, sees the loss and reconnects (CLIENT-3).
func TestVanishServerDropsAfterPingTimeout(t *testing.T) {
	t.Parallel()
	rt := startRef(t, refserver.Config{PingInterval: 100 * time.Millisecond, PingTimeout: 100 * time.Millisecond})
	env := testEnv(t, rt.url, `
client: {heartbeat: 50ms, reconnect: {delay: 50ms, delay_max: 100ms}}
flows: [{steps: [{vanish: {for: 1s}}]}]
`)
	startClients(t, env, 1)
	eventually(t, func() bool { return rt.srv.SessionCount() == 1 }, "connected")
	eventually(t, func() bool { return rt.srv.SessionCount() == 0 }, "the server dropped the silent client")
	sent := counterValue(env.Recorder, threshold.MetricMessagesSent, "event", "heartbeat")
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, sent, counterValue(env.Recorder, threshold.MetricMessagesSent, "event", "heartbeat"), "no heartbeat while vanished")
	eventually(t, func() bool { return rt.srv.SessionCount() == 1 }, "reconnected after waking up")
	eventually(t, func() bool { return env.plan.hb.len() == 1 }, "the heartbeat runs again")
	assert.EqualValues(t, 1, counterValue(env.Recorder, threshold.MetricReconnects))
}
