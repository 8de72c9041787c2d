package refserver_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/test/redistest"
)

// SCALE-3: a stalled Redis (CLIENT PAUSE) keeps the subscription's
// connection open; /healthz still sees it, because Redis does not answer
// its PING within 1 s, and says "subscribed" again once Redis answers.
// Several probes at once all see it.
func TestHealthzStalledRedis(t *testing.T) {
	t.Parallel()
	rd := redistest.Start(t)
	d := newDeployment(t, rd.URL(), 1)
	url := d.urls[0] + "/healthz"
	require.Equal(t, `{"status":"ok","redis":"subscribed"}`, fetch(t, url))

	rc := redistest.Client(t, rd.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, rc.Do(ctx, "CLIENT", "PAUSE", 4000, "ALL").Err())
	paused := time.Now()

	var wg sync.WaitGroup
	got := make([]string, 5)
	for i := range got {
		wg.Go(func() { got[i] = fetch(t, url) })
	}
	wg.Wait()
	require.Less(t, time.Since(paused), 3500*time.Millisecond, "the probes answered while Redis was still paused")
	for i, g := range got {
		assert.Equal(t, `{"status":"ok","redis":"unresponsive"}`, g, "probe %d", i)
	}
	assert.True(t, d.servers[0].BrokerStats().Subscribed.Load(), "the subscription alone does not see the stall")

	require.Eventually(t, func() bool { return fetch(t, url) == `{"status":"ok","redis":"subscribed"}` },
		10*time.Second, 100*time.Millisecond, "subscribed again once Redis answers")
}
