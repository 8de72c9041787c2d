package app_test

import (
	"context"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/conformance"
	"github.com/stampede-sio/stampede/conformance/app"
	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/test/redistest"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/refservertest"
	"github.com/stampede-sio/stampede/refserver/webui"
	"github.com/stampede-sio/stampede/reports"
)

// scaleBreakers are the refserver faults that break each case of the scale
// layer (both instances run with the fault).
var scaleBreakers = map[string][]string{
	"SCALE-1/user-room":       {"redis-no-publish"},
	"SCALE-1/channel-room":    {"redis-no-publish"},
	"SCALE-1/document":        {"redis-no-publish"},
	"SCALE-1/disconnect":      {"redis-no-publish"},
	"SCALE-1/redis-channel":   {"redis-no-publish"},
	"SCALE-1/channel-removal": {"redis-local-state"},
	"SCALE-1/call":            {"redis-no-publish"},
	"SCALE-2/session-pool":    {"redis-local-state"},
	"SCALE-2/usage-pool":      {"redis-local-state"},
	"SCALE-2/documents":       {"redis-local-state"},
	"SCALE-2/revocation":      {"redis-local-state"},
	"SCALE-3/local-delivery":  {"redis-sync-publish"},
	"SCALE-3/resubscribe":     {"redis-no-resubscribe"},
	"SESS-5/redis-lock":       {"no-lock-renew", "lock-overwrite"},
}

// scaleLockTimeout is the deployments' WEBSOCKET_REDIS_LOCK_TIMEOUT, short
// so that SESS-5's case waits seconds, not minutes.
const scaleLockTimeout = 2 * time.Second

// deploy starts two refservers joined by the Redis at redisURL, with a key
// prefix and channel of their own, and returns the target naming both.
func deploy(t *testing.T, redisURL string, faults ...string) check.Target {
	t.Helper()
	var f refserver.Faults
	for _, v := range faults {
		require.NoError(t, f.Set(v))
	}
	prefix, channel := redistest.Name("stampede-test-"), redistest.Name("socketio-test-")
	var urls []string
	for range 2 {
		srv, u := refservertest.Start(t, refserver.Config{
			Secret: secret, PingInterval: time.Second, PingTimeout: time.Second, SessionTimeout: sessionTimeout,
			Population: webui.Generate(webui.Sizes{Users: 300, Channels: 4, Notes: 5}), Faults: f,
			RedisURL: redisURL, RedisKeyPrefix: prefix, RedisChannel: channel, RedisLockTimeout: scaleLockTimeout,
		})
		refservertest.Subscribed(t, srv) // before any case publishes
		urls = append(urls, u)
	}
	tgt := target(t, urls[0], "documented")
	peer, err := url.Parse(urls[1])
	require.NoError(t, err)
	tgt.Peer, tgt.Redis, tgt.RedisPrefix, tgt.RedisChannel, tgt.LockTimeout = peer, redisURL, prefix, channel, scaleLockTimeout
	return tgt
}

func runScale(t *testing.T, tgt check.Target, ids ...string) *reports.Check {
	t.Helper()
	opts := conformance.Options{Layers: []check.Layer{check.LayerScale}}
	if len(ids) > 0 {
		var quoted []string
		for _, id := range ids {
			quoted = append(quoted, regexp.QuoteMeta(id))
		}
		opts.Run = regexp.MustCompile("^(" + strings.Join(quoted, "|") + ")$")
	}
	rec, err := conformance.Run(context.Background(), tgt, opts)
	require.NoError(t, err)
	return rec
}

// The scale layer passes against two refservers joined by Redis (a private
// redis-server, since SCALE-3's cases pause it and cut its subscriptions),
// with no case skipped.
func TestScaleLayerPasses(t *testing.T) {
	t.Parallel()
	rd := redistest.Start(t)
	start := time.Now()
	rec := runScale(t, deploy(t, rd.URL()))
	t.Logf("%d cases in %v: %+v", len(rec.Cases), time.Since(start).Round(time.Millisecond), rec.Summary)
	assert.Len(t, rec.Cases, len(scaleBreakers))
	for _, c := range rec.Cases {
		assert.Equal(t, reports.StatusPass, c.Status, "%s: %s\n expected %s\n actual %s\n  %s", c.ID, c.Reason, c.Expected, c.Actual, strings.Join(c.Exchange, "\n  "))
	}
}

// Without --peer the scale layer's cases skip, saying so; without --redis
// the ones that need it skip, and the others still run.
func TestScaleSkips(t *testing.T) {
	t.Parallel()
	tgt := target(t, serve(t, "documented"), "documented")
	for _, c := range runScale(t, tgt).Cases {
		assert.Equal(t, reports.StatusSkip, c.Status, c.ID)
		assert.Contains(t, c.Reason, "--peer", c.ID)
	}
	redistest.Need(t, redistest.Shared)
	tgt = deploy(t, redistest.Shared)
	tgt.Redis = ""
	needsRedis := map[string]bool{"SCALE-1/redis-channel": true, "SCALE-3/local-delivery": true, "SCALE-3/resubscribe": true, "SESS-5/redis-lock": true}
	for _, c := range runScale(t, tgt, "SCALE-1/redis-channel", "SCALE-3/local-delivery", "SCALE-2/usage-pool", "SESS-5/redis-lock").Cases {
		if needsRedis[c.ID] {
			assert.Equal(t, reports.StatusSkip, c.Status, c.ID)
			assert.Contains(t, c.Reason, "--redis", c.ID)
		} else {
			assert.Equal(t, reports.StatusPass, c.Status, "%s: %s %s", c.ID, c.Expected, c.Actual)
		}
	}
}

// Every scale case fails against a deployment that breaks it, with what was
// expected and what happened.
func TestEveryScaleCaseFails(t *testing.T) {
	t.Parallel()
	byFault := map[string][]string{}
	for id, faults := range scaleBreakers {
		for _, f := range faults {
			byFault[f] = append(byFault[f], id)
		}
	}
	var faults []string
	for f := range byFault {
		faults = append(faults, f)
		sort.Strings(byFault[f])
	}
	sort.Strings(faults)
	recs := make([]*reports.Check, len(faults))
	var wg sync.WaitGroup
	for i, f := range faults {
		rd := redistest.Start(t)
		tgt := deploy(t, rd.URL(), f)
		wg.Go(func() { recs[i] = runScale(t, tgt, byFault[f]...) })
	}
	wg.Wait()
	for i, f := range faults {
		t.Run(f, func(t *testing.T) {
			require.Len(t, recs[i].Cases, len(byFault[f]))
			for _, c := range recs[i].Cases {
				assertFailed(t, c, f)
			}
		})
	}
	assert.NotEmpty(t, app.Cases())
}
