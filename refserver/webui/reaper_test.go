package webui

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testApp(t *testing.T, cfg Config) *App {
	t.Helper()
	if cfg.Secret == nil {
		cfg.Secret = []byte("test-secret")
	}
	if cfg.Population == nil {
		cfg.Population = Generate(Sizes{Users: 5, Channels: 2, Notes: 3})
	}
	a, err := New(cfg)
	require.NoError(t, err)
	return a
}

// SESS-3: the reaper runs every session timeout and removes entries whose
// last_seen_at is older than that; fresh entries stay.
func TestSessionReaper(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		a := testApp(t, Config{HeartbeatInterval: 10 * time.Second, SessionTimeout: 20 * time.Second})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { a.Run(ctx); close(done) }()

		u, _ := a.pop.User(UserID(2))
		start := time.Now().Unix()
		require.NoError(t, a.sessions.Set("stale", entryFor(u, start)))
		require.NoError(t, a.sessions.Set("fresh", entryFor(u, start)))

		time.Sleep(15 * time.Second) // a heartbeat refreshes only "fresh"
		require.NoError(t, a.sessions.Set("fresh", entryFor(u, time.Now().Unix())))

		time.Sleep(6 * time.Second) // the reaper ran at t=20s: stale is 20s old, not older
		synctest.Wait()
		_, ok, _ := a.sessions.Get("stale")
		assert.True(t, ok, "an entry exactly SessionTimeout old is kept")
		require.NoError(t, a.sessions.Set("fresh", entryFor(u, time.Now().Unix()))) // heartbeat at t=21s

		time.Sleep(20 * time.Second) // t=41s: the reaper at t=40s removed stale (40s old), kept fresh (19s)
		synctest.Wait()
		_, ok, _ = a.sessions.Get("stale")
		assert.False(t, ok, "stale entry reaped")
		_, ok, _ = a.sessions.Get("fresh")
		assert.True(t, ok, "fresh entry kept")

		cancel()
		<-done
	})
}

// SESS-3 default: max(4 × heartbeat interval, 120 s); the interval is clamped 5–90 s (SESS-1).
func TestSessionTimeoutDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		heartbeat, wantHeartbeat, wantTimeout time.Duration
	}{
		{0, 30 * time.Second, 120 * time.Second},
		{60 * time.Second, 60 * time.Second, 240 * time.Second},
		{time.Second, 5 * time.Second, 120 * time.Second},
		{5 * time.Minute, 90 * time.Second, 360 * time.Second},
	}
	for _, tt := range tests {
		a := testApp(t, Config{HeartbeatInterval: tt.heartbeat})
		assert.Equal(t, tt.wantHeartbeat, a.cfg.HeartbeatInterval, "heartbeat %v", tt.heartbeat)
		assert.Equal(t, tt.wantTimeout, a.cfg.SessionTimeout, "heartbeat %v", tt.heartbeat)
	}
}

// CHAT-4: usage entries older than 3 s are reaped every 3 s.
func TestUsageReaper(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		a := testApp(t, Config{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { a.Run(ctx); close(done) }()

		a.usage.Mark("llama3", "sid-a", time.Now().Unix())
		a.usage.Mark("gpt-4o", "sid-b", time.Now().Unix())
		time.Sleep(4 * time.Second) // the reaper at 3s keeps both: 3s old is not older than 3s
		synctest.Wait()
		assert.Equal(t, []string{"gpt-4o", "llama3"}, must(a.usage.Models()))
		a.usage.Mark("gpt-4o", "sid-b", time.Now().Unix()) // still generating at 4s

		time.Sleep(3 * time.Second) // reaper at 6s: llama3 is 6s old, gpt-4o 2s
		synctest.Wait()
		assert.Equal(t, []string{"gpt-4o"}, must(a.usage.Models()))

		time.Sleep(3 * time.Second) // reaper at 9s: gpt-4o is 5s old
		synctest.Wait()
		assert.Empty(t, must(a.usage.Models()))

		cancel()
		<-done
	})
}

// must returns v, failing on a store error (the memory stores have none).
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
