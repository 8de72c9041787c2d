package refserver_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/test/redistest"
	"github.com/stampede-sio/stampede/internal/token"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/refservertest"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// sharedRedis is the machine's Redis.
const sharedRedis = redistest.Shared

func needRedis(t *testing.T, url string) { redistest.Need(t, url) }

func randomName(prefix string) string { return redistest.Name(prefix) }

// deployment is several refservers joined by one Redis, on a channel and
// key prefix of their own.
type deployment struct {
	urls    []string
	servers []*refserver.Server
	prefix  string
}

var scaleSecret = []byte("stampede-scale-test")

func newDeployment(t *testing.T, redisURL string, n int, faults ...string) *deployment {
	t.Helper()
	d := &deployment{prefix: randomName("stampede-test-")}
	channel := randomName("socketio-test-")
	var f refserver.Faults
	for _, v := range faults {
		require.NoError(t, f.Set(v))
	}
	for range n {
		srv, url := refservertest.Start(t, refserver.Config{
			Secret: scaleSecret, RedisURL: redisURL, RedisKeyPrefix: d.prefix, RedisChannel: channel,
			RedisLockTimeout: time.Second, SessionTimeout: 2 * time.Second, Faults: f,
			Population: webui.Generate(webui.Sizes{Users: 50, Channels: 2, Notes: 2}),
		})
		d.urls = append(d.urls, url)
		d.servers = append(d.servers, srv)
	}
	for _, s := range d.servers { // subscribed, so that nothing published is missed
		refservertest.Subscribed(t, s)
	}
	return d
}

// tab is a client socket on "/" that records what it receives.
type tab struct {
	sock *client.Socket
	mu   sync.Mutex
	got  []string // "event arg0"
}

func openTab(t *testing.T, base, user string) *tab {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := client.Dial(ctx, base, &client.Options{Path: "/ws/socket.io/", Transports: client.WebsocketOnly})
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	tb := &tab{sock: conn.Socket("/")}
	tb.sock.OnAny(func(ev client.Event) {
		arg := ""
		if len(ev.Args) > 0 {
			arg = string(ev.Args[0])
		}
		tb.mu.Lock()
		tb.got = append(tb.got, ev.Name+" "+arg)
		tb.mu.Unlock()
	})
	require.NoError(t, tb.sock.Connect(ctx, map[string]string{"token": mint(t, user)}))
	return tb
}

func mint(t *testing.T, user string) string {
	tok, err := token.Mint(scaleSecret, user, time.Hour, time.Now())
	require.NoError(t, err)
	return tok
}

func (tb *tab) count(substr string) int {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	n := 0
	for _, g := range tb.got {
		if strings.Contains(g, substr) {
			n++
		}
	}
	return n
}

func (tb *tab) emit(t *testing.T, event string, arg any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, tb.sock.Emit(ctx, event, arg))
}

func chatList(chat string) map[string]any {
	return map[string]any{"chat_id": chat, "data": map[string]string{"type": "last_read_at"}}
}

// SCALE-1: an emit to user:{id} reaches the user's tabs on every instance,
// each exactly once, and nobody else's.
func TestScaleUserRoomAcrossInstances(t *testing.T) {
	t.Parallel()
	needRedis(t, sharedRedis)
	d := newDeployment(t, sharedRedis, 2)
	a, b := openTab(t, d.urls[0], "u000010"), openTab(t, d.urls[1], "u000010")
	other := openTab(t, d.urls[1], "u000011")
	chat := randomName("chat-")
	a.emit(t, "events:chat", chatList(chat))
	require.Eventually(t, func() bool { return b.count(chat) == 1 }, 5*time.Second, 10*time.Millisecond, "the tab on the other instance gets chat:list")
	time.Sleep(300 * time.Millisecond) // room for a duplicate to show up
	assert.Equal(t, 1, a.count(chat), "the sender's tab, once")
	assert.Equal(t, 1, b.count(chat), "the other instance's tab, once")
	assert.Zero(t, other.count(chat), "another user's tab")
	assert.NotZero(t, d.servers[1].BrokerStats().Received.Load())
}

// SCALE-2: the session pool, usage pool and documents are shared: what one
// instance stores, the other serves.
func TestScaleSharedState(t *testing.T) {
	t.Parallel()
	needRedis(t, sharedRedis)
	d := newDeployment(t, sharedRedis, 2)
	a := openTab(t, d.urls[0], "u000012")
	require.Eventually(t, func() bool {
		all, err := d.servers[1].App().Sessions().All()
		_, ok := all[a.sock.ID()]
		return err == nil && ok
	}, 5*time.Second, 10*time.Millisecond, "a session opened on one instance is in the pool of the other")
	a.emit(t, "usage", map[string]string{"model": "scale-model", "action": "generate", "chat_id": "c"})
	require.Eventually(t, func() bool {
		req, _ := http.NewRequest(http.MethodGet, d.urls[1]+"/api/usage", nil)
		req.Header.Set("Authorization", "Bearer "+mint(t, "u000012"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), "scale-model")
	}, 5*time.Second, 50*time.Millisecond, "the other instance lists the model in use")
}

// SESS-5: of two instances, one holds each reaper lock, renewing it while
// it lives; when it stops, the other takes over.
func TestScaleReaperLock(t *testing.T) {
	t.Parallel()
	needRedis(t, sharedRedis)
	d := newDeployment(t, sharedRedis, 2)
	held := func() (n int) {
		for _, s := range d.servers {
			if s.App().ReaperStats().SessionLockHeld.Load() {
				n++
			}
		}
		return n
	}
	require.Eventually(t, func() bool { return held() == 1 }, 5*time.Second, 10*time.Millisecond, "one instance holds the session reaper lock")
	rc := redistest.Client(t, sharedRedis)
	key := d.prefix + ":session_cleanup_lock"
	v1, err := rc.Get(context.Background(), key).Result()
	require.NoError(t, err)
	time.Sleep(2500 * time.Millisecond) // beyond the 1 s lifetime: renewed
	v2, err := rc.Get(context.Background(), key).Result()
	require.NoError(t, err)
	assert.Equal(t, v1, v2, "the same holder keeps renewing the lock")
	assert.Equal(t, 1, held())

	var holder int
	for i, s := range d.servers {
		if s.App().ReaperStats().SessionLockHeld.Load() {
			holder = i
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, d.servers[holder].Shutdown(ctx))
	other := d.servers[1-holder]
	require.Eventually(t, func() bool { return other.App().ReaperStats().SessionLockHeld.Load() }, 5*time.Second, 20*time.Millisecond,
		"the other instance takes the lock over once the holder is gone")
}

// SCALE-3: Redis dies. The instances keep serving: local delivery works,
// the loss shows in /healthz and /metrics, and cross-instance delivery
// resumes when Redis is back.
func TestScaleRedisLoss(t *testing.T) {
	t.Parallel()
	rd := redistest.Start(t)
	d := newDeployment(t, rd.URL(), 2)
	a1, a2 := openTab(t, d.urls[0], "u000013"), openTab(t, d.urls[0], "u000013")
	b := openTab(t, d.urls[1], "u000013")

	rd.Stop()
	require.Eventually(t, func() bool { return !d.servers[0].BrokerStats().Subscribed.Load() }, 5*time.Second, 10*time.Millisecond)
	chat := randomName("chat-")
	a1.emit(t, "events:chat", chatList(chat))
	require.Eventually(t, func() bool { return a2.count(chat) == 1 }, 2*time.Second, 10*time.Millisecond, "local delivery without Redis")
	assert.Equal(t, `{"status":"ok","redis":"down"}`, fetch(t, d.urls[0]+"/healthz"))
	require.Eventually(t, func() bool {
		return strings.Contains(scrape(t, d.urls[0]), "stampede_redis_subscribed 0") &&
			metricAbove(scrape(t, d.urls[0]), "stampede_redis_publish_errors_total", 0)
	}, 5*time.Second, 50*time.Millisecond, "the loss is visible in /metrics")

	rd.Restart()
	for _, s := range d.servers {
		require.Eventually(t, func() bool { return s.BrokerStats().Subscribed.Load() }, 10*time.Second, 20*time.Millisecond, "subscribed again")
	}
	again := randomName("chat-")
	a1.emit(t, "events:chat", chatList(again))
	require.Eventually(t, func() bool { return b.count(again) == 1 }, 5*time.Second, 10*time.Millisecond, "cross-instance delivery resumes")
	assert.Equal(t, `{"status":"ok","redis":"subscribed"}`, fetch(t, d.urls[0]+"/healthz"))
}

func fetch(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func metricAbove(text, name string, v float64) bool {
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == name {
			var x float64
			if json.Unmarshal([]byte(f[1]), &x) == nil {
				return x > v
			}
		}
	}
	return false
}
