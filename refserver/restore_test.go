package refserver_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/test/redistest"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/refservertest"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// SCALE-3, SESS-2: when Redis comes back empty (its keys flushed, or
// restarted without data), each instance writes its sessions back into the
// pool within seconds, without waiting for each socket's next heartbeat
// (the test's sockets send none).
func TestSessionPoolRefilledAfterRedisLoss(t *testing.T) {
	t.Parallel()
	rd := redistest.Start(t)
	prefix, channel := randomName("stampede-test-"), randomName("socketio-test-")
	var servers []*refserver.Server
	var urls []string
	for range 2 {
		srv, url := refservertest.Start(t, refserver.Config{
			Secret: scaleSecret, RedisURL: rd.URL(), RedisKeyPrefix: prefix, RedisChannel: channel,
			SessionTimeout: time.Minute, Population: webui.Generate(webui.Sizes{Users: 50, Channels: 2, Notes: 2}),
		})
		refservertest.Subscribed(t, srv)
		servers, urls = append(servers, srv), append(urls, url)
	}
	sids := []string{
		openTab(t, urls[0], "u000020").sock.ID(), openTab(t, urls[0], "u000021").sock.ID(),
		openTab(t, urls[1], "u000022").sock.ID(),
	}
	whole := func() bool {
		all, err := servers[1].App().Sessions().All()
		if err != nil {
			return false
		}
		for _, sid := range sids {
			if _, ok := all[sid]; !ok {
				return false
			}
		}
		return true
	}
	require.Eventually(t, whole, 5*time.Second, 20*time.Millisecond, "the pool holds every session")

	rc := redistest.Client(t, rd.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	keys, err := rc.Keys(ctx, prefix+":*").Result()
	require.NoError(t, err)
	require.NoError(t, rc.Del(ctx, keys...).Err())
	n, err := rc.HLen(ctx, prefix+":session_pool").Result()
	require.NoError(t, err)
	require.Zero(t, n, "the pool is gone")
	require.Eventually(t, whole, 5*time.Second, 20*time.Millisecond, "refilled after the prefix's keys were deleted")

	rd.Stop()
	rd.Restart()
	require.Eventually(t, whole, 10*time.Second, 50*time.Millisecond, "refilled after Redis restarted empty")
}
