package broker_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/test/redistest"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/refservertest"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// SCALE-3: Redis stalls for 3 s (CLIENT PAUSE) while one instance
// broadcasts 20 messages a second to a user whose tab is on another
// instance. The publication in flight when Redis stalled is retried, not
// lost: every message arrives, late but once, and nothing is dropped.
func TestStalledRedisLosesNothing(t *testing.T) {
	t.Parallel()
	rd := redistest.Start(t)
	ch, prefix := redistest.Name("socketio-test-"), redistest.Name("stampede-test-")
	var srvs []*refserver.Server
	var urls []string
	for range 2 {
		srv, url := refservertest.Start(t, refserver.Config{
			Secret: secret, RedisURL: rd.URL(), RedisChannel: ch, RedisKeyPrefix: prefix,
			Population: webui.Generate(webui.Sizes{Users: 20, Channels: 1, Notes: 1}),
		})
		refservertest.Subscribed(t, srv)
		srvs, urls = append(srvs, srv), append(urls, url)
	}
	sender, _ := events(t, urls[0], "u000007")
	_, got := events(t, urls[1], "u000007")

	const total, rate = 100, 20 // 5 s of broadcasts, the pause in the middle
	paused := make(chan error, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tick := time.NewTicker(time.Second / rate)
	defer tick.Stop()
	for i := range total {
		if i == rate { // after 1 s
			go func() {
				paused <- redistest.Client(t, rd.URL()).Do(ctx, "CLIENT", "PAUSE", 3000, "ALL").Err()
			}()
		}
		<-tick.C
		require.NoError(t, sender.Emit(ctx, "events:chat", map[string]any{"chat_id": fmt.Sprintf("stall-%03d", i), "data": map[string]string{"type": "last_read_at"}}))
	}
	require.NoError(t, <-paused)

	missing := func() []string {
		seen := map[string]int{}
		for _, g := range got() {
			if i := strings.Index(g, "stall-"); i >= 0 {
				seen[g[i:i+len("stall-000")]]++
			}
		}
		var out []string
		for i := range total {
			if id := fmt.Sprintf("stall-%03d", i); seen[id] == 0 {
				out = append(out, id)
			}
		}
		return out
	}
	require.Eventually(t, func() bool { return len(missing()) == 0 }, 20*time.Second, 50*time.Millisecond,
		"every broadcast reaches the other instance")
	st := srvs[0].BrokerStats()
	t.Logf("%d of %d arrived; %d failed publish attempts retried, %d dropped", total-len(missing()), total, st.PublishErrors.Load(), st.Dropped.Load())
	assert.NotZero(t, st.PublishErrors.Load(), "the stall was seen: a publication failed and was retried")
	assert.Zero(t, st.Dropped.Load(), "nothing dropped")
	assert.Empty(t, missing())
}
