package simulator

import (
	"bufio"
	"context"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/webui"
	"github.com/stampede-sio/stampede/scenarios"
	"github.com/stampede-sio/stampede/simulator/metrics"
	"github.com/stampede-sio/stampede/simulator/schedule"
)

const testSecret = "vu-test-secret"

// refTarget is a refserver on httptest, with the requests it has seen.
type refTarget struct {
	srv *refserver.Server
	url string

	mu   sync.Mutex
	seen []string // "GET /api/config", "GET /api/version rooms=…", "GET /ws/socket.io transport=…"
}

func startRef(t testing.TB, cfg refserver.Config) *refTarget {
	t.Helper()
	cfg.Secret = []byte(testSecret)
	if cfg.Population == nil {
		cfg.Population = webui.Generate(webui.Sizes{Users: 100, Channels: 3, Notes: 4})
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	srv, err := refserver.New(cfg)
	require.NoError(t, err)
	rt := &refTarget{srv: srv}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt.observe(r)
		srv.ServeHTTP(w, r)
	}))
	rt.url = hs.URL
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		hs.Close()
	})
	return rt
}

// observe notes the requests CLIENT-1 is about; at GET /api/version it
// notes the rooms of the app's sockets, to see what user-join did before.
func (rt *refTarget) observe(r *http.Request) {
	var line string
	switch {
	case r.URL.Path == "/api/config":
		line = "GET /api/config"
	case r.URL.Path == "/api/version":
		var rooms []string
		for _, s := range rt.srv.SocketIO().Sockets("/") {
			rooms = append(rooms, s.Rooms()...)
		}
		line = "GET /api/version auth=" + strconv.FormatBool(strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ")) +
			" rooms=" + strings.Join(slices.Sorted(maps.Keys(setOf(rooms))), ",")
	case strings.HasPrefix(r.URL.Path, "/ws/socket.io") && r.URL.Query().Get("sid") == "":
		line = "GET /ws/socket.io transport=" + r.URL.Query().Get("transport")
	default:
		return
	}
	rt.mu.Lock()
	rt.seen = append(rt.seen, line)
	rt.mu.Unlock()
}

func setOf(s []string) map[string]bool {
	m := map[string]bool{}
	for _, x := range s {
		if !strings.HasPrefix(x, "user:") && !strings.HasPrefix(x, "channel:") {
			continue // the socket's own sid room
		}
		m[x] = true
	}
	return m
}

func (rt *refTarget) requests() []string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]string(nil), rt.seen...)
}

// sessions returns the user ids in the server's session pool, by sid.
func (rt *refTarget) sessions(t *testing.T) map[string]string {
	all, err := rt.srv.App().Sessions().All()
	require.NoError(t, err)
	out := map[string]string{}
	for sid, e := range all {
		out[sid] = e.ID
	}
	return out
}

// packetsIn reads the server's count of Engine.IO packets received.
func (rt *refTarget) packetsIn(t *testing.T) int {
	resp, err := http.Get(rt.url + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), `stampede_packets_total{direction="in"} `); ok {
			n, err := strconv.ParseFloat(v, 64)
			require.NoError(t, err)
			return int(n)
		}
	}
	t.Fatal("no stampede_packets_total in /metrics")
	return 0
}

// testEnv loads a scenario (YAML without phases: one is added) for target.
func testEnv(t testing.TB, target, yaml string) *Env {
	t.Helper()
	s, err := scenarios.Load("test.yaml", strings.NewReader(yaml+"\nphases: [{kind: hold, duration: 1h}]\n"))
	require.NoError(t, err)
	require.NoError(t, s.Validate())
	u, err := url.Parse(target)
	require.NoError(t, err)
	env := &Env{
		Scenario: s.WithDefaults(), Targets: []*url.URL{u}, Secret: []byte(testSecret),
		Recorder: metrics.New(metrics.Config{}), Start: time.Now(),
	}
	require.NoError(t, env.Prepare())
	t.Cleanup(env.Close)
	return env
}

// clients runs virtual clients 0 … n-1 of env until stop, which cancels
// them and waits for every client to finish (StartVU returned, or the
// client parked and finished later). done is closed when all finished by
// themselves.
type clients struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	done   chan struct{}
}

func startClients(t *testing.T, env *Env, n int) *clients {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &clients{cancel: cancel, done: make(chan struct{})}
	for i := range n {
		c.wg.Add(1)
		go func() { // as the executors start clients: they may park
			s := schedule.NewStart(i, time.Now(), nil, c.wg.Done)
			env.StartVU(ctx, s)
			if !s.Detached() {
				c.wg.Done()
			}
		}()
	}
	go func() {
		c.wg.Wait()
		close(c.done)
	}()
	t.Cleanup(c.stop)
	return c
}

func (c *clients) stop() {
	c.cancel()
	<-c.done
}

func counterValue(rec *metrics.Recorder, metric string, tags ...string) int64 {
	return rec.Counter(metric, tags...).Value()
}

func errorsOf(rec *metrics.Recorder, kind string) int64 {
	return rec.Counter(threshold.MetricErrors, threshold.TagKind, kind).Value()
}

// timerStats summarises a timer since the start (one Snapshot per test).
func timerStats(rec *metrics.Recorder) map[string]metrics.TimerStats {
	out := map[string]metrics.TimerStats{}
	for _, ts := range rec.Snapshot().Timers {
		k := ts.Metric
		if e := ts.Tags[threshold.TagEvent]; e != "" {
			k += "{" + e + "}"
		}
		out[k] = ts
	}
	return out
}

// eventually waits for cond, failing with msg after 5s.
func eventually(t *testing.T, cond func() bool, msg string, args ...any) {
	t.Helper()
	require.Eventually(t, cond, 5*time.Second, 10*time.Millisecond, append([]any{msg}, args...)...)
}

// CLIENT-1: GET /api/config, connect with auth (the session exists and the
// socket is in user:{id}, AUTH-2), then GET /api/version with the token
// (before user-join: no channel room yet), then user-join (CHAN-1: the
// channel rooms); one of each, with every timer of the startup recorded.
func TestStartupSequence(t *testing.T) {
	t.Parallel()
	rt := startRef(t, refserver.Config{})
	env := testEnv(t, rt.url, "flows: [{steps: [connect]}]\nclient: {heartbeat: 1h}")
	startClients(t, env, 1)
	rec := env.Recorder
	eventually(t, func() bool {
		return rec.Timer(threshold.MetricUserJoin) != nil && counterValue(rec, threshold.MetricMessagesReceived, "event", "user-join") == 1
	}, "user-join acked")
	assert.Equal(t, []string{
		"GET /api/config",
		"GET /ws/socket.io transport=websocket",
		"GET /api/version auth=true rooms=user:u000002",
	}, rt.requests())
	assert.Equal(t, map[string]string{rt.srv.SocketIO().Sockets("/")[0].ID(): "u000002"}, rt.sessions(t))
	assert.True(t, rt.srv.SocketIO().Sockets("/")[0].InRoom("channel:c0001"), "user-join joined the channel rooms")
	assert.EqualValues(t, 1, counterValue(rec, threshold.MetricConnections))
	assert.EqualValues(t, 0, counterValue(rec, threshold.MetricReconnects))
	assert.EqualValues(t, 1, counterValue(rec, threshold.MetricMessagesSent, "event", "user-join"))
	assert.EqualValues(t, 1, rec.Gauge(threshold.MetricClients).Value())
	ts := timerStats(rec)
	for _, m := range []string{threshold.MetricConnectTCP, threshold.MetricHandshake, threshold.MetricSIOConnect, threshold.MetricUserJoin} {
		assert.EqualValues(t, 1, ts[m].Count, m)
	}
	assert.LessOrEqual(t, ts[threshold.MetricConnectTCP].Max, ts[threshold.MetricHandshake].Max, "the upgrade comes before OPEN")
}

// CLIENT-2: a server without websocket (enable_websocket false) gets
// polling, with an upgrade if offered; the scenario's explicit transport
// wins over the server's word.
func TestTransportFollowsConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		server     []string
		scenario   string
		wantOpened string
	}{
		{"websocket server", []string{"websocket"}, "", "transport=websocket"},
		{"polling server", []string{"polling"}, "", "transport=polling"},
		{"explicit polling", []string{"polling", "websocket"}, "target: {transport: polling}\n", "transport=polling"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rt := startRef(t, refserver.Config{Transports: tt.server})
			env := testEnv(t, rt.url, tt.scenario+"flows: [{steps: [connect]}]\nclient: {heartbeat: 1h}")
			startClients(t, env, 1)
			eventually(t, func() bool { return len(rt.sessions(t)) == 1 }, "connected")
			assert.Contains(t, rt.requests(), "GET /ws/socket.io "+tt.wantOpened)
			assert.Zero(t, errorsOf(env.Recorder, errDial))
		})
	}
}

// SESS-1, CLIENT-5: the heartbeat reaches the server every client.heartbeat,
// on the shared scheduler (one item per client), and the item goes with the
// connection.
func TestHeartbeatReachesServer(t *testing.T) {
	t.Parallel()
	rt := startRef(t, refserver.Config{})
	env := testEnv(t, rt.url, "flows: [{steps: [connect]}]\nclient: {heartbeat: 100ms}")
	c := startClients(t, env, 3)
	eventually(t, func() bool {
		return counterValue(env.Recorder, threshold.MetricMessagesReceived, "event", "user-join") == 3
	}, "connected")
	assert.Equal(t, 3, env.plan.hb.len(), "one scheduler item per client")
	before := rt.packetsIn(t)
	time.Sleep(time.Second)
	got := rt.packetsIn(t) - before
	assert.InDelta(t, 30, got, 6, "3 clients × 1s / 100ms heartbeats (no pings in 1s)")
	assert.GreaterOrEqual(t, counterValue(env.Recorder, threshold.MetricMessagesSent, "event", "heartbeat"), int64(27))
	c.stop()
	assert.Zero(t, env.plan.hb.len(), "no item left once the clients are gone")
}

// The heartbeat interval comes from GET /api/config when the scenario
// leaves client.heartbeat at 0 (SESS-1), and a negative one turns it off.
func TestHeartbeatIntervalFromConfig(t *testing.T) {
	t.Parallel()
	rt := startRef(t, refserver.Config{HeartbeatInterval: 7 * time.Second})
	env := testEnv(t, rt.url, "flows: [{steps: [connect]}]")
	startClients(t, env, 1)
	eventually(t, func() bool { return env.plan.hb.len() == 1 }, "heartbeat scheduled")
	env.plan.hb.mu.Lock()
	every := env.plan.hb.heap[0].every
	env.plan.hb.mu.Unlock()
	assert.Equal(t, 7*time.Second, every)

	off := testEnv(t, rt.url, "flows: [{steps: [connect]}]\nclient: {heartbeat: -1s}")
	startClients(t, off, 1)
	eventually(t, func() bool {
		return counterValue(off.Recorder, threshold.MetricMessagesReceived, "event", "user-join") == 1
	}, "connected")
	assert.Zero(t, off.plan.hb.len())
}

// The run's end closes every connection and StartVU returns promptly, even
// in a listen that would last until the end.
func TestRunEndClosesPromptly(t *testing.T) {
	t.Parallel()
	rt := startRef(t, refserver.Config{})
	env := testEnv(t, rt.url, "flows: [{steps: [{listen: {events: [events]}}]}]\nclient: {heartbeat: 50ms}")
	c := startClients(t, env, 5)
	eventually(t, func() bool {
		return counterValue(env.Recorder, threshold.MetricMessagesReceived, "event", "user-join") == 5
	}, "connected and joined")
	start := time.Now()
	c.stop()
	assert.Less(t, time.Since(start), 2*time.Second)
	eventually(t, func() bool { return rt.srv.SessionCount() == 0 }, "the server saw every close")
	assert.EqualValues(t, 5, counterValue(env.Recorder, threshold.MetricDisconnects))
	assert.Zero(t, env.Recorder.Gauge(threshold.MetricClients).Value())
}
