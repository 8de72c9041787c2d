package redisstore

import (
	"context"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestLockOneHolder(t *testing.T) {
	t.Parallel()
	c := testClient(t)
	prefix := testPrefix(t, c)
	ctx := context.Background()
	a, b := NewSessionCleanupLock(c, prefix), NewSessionCleanupLock(c, prefix)
	require.Equal(t, prefix+":session_cleanup_lock", a.Key())
	require.NotEqual(t, a.Value(), b.Value(), "each lock has its own value")

	ok, err := a.Acquire(ctx, 60*time.Second)
	require.NoError(t, err)
	require.True(t, ok, "a takes the free lock")
	ok, err = b.Acquire(ctx, 60*time.Second)
	require.NoError(t, err)
	assert.False(t, ok, "b cannot take a held lock")
	ok, err = b.Renew(ctx, 60*time.Second)
	require.NoError(t, err)
	assert.False(t, ok, "b cannot renew a's lock")
	require.NoError(t, b.Release(ctx), "releasing a lock not ours is not an error")

	v, err := c.Get(ctx, a.Key()).Result()
	require.NoError(t, err)
	assert.Equal(t, a.Value(), v, "b's release left a's lock")
	assert.Regexp(t, uuidV4, v)
	ttl, err := c.TTL(ctx, a.Key()).Result()
	require.NoError(t, err)
	assert.InDelta(t, 60, ttl.Seconds(), 1, "EX 60")

	ok, err = a.Renew(ctx, 90*time.Second)
	require.NoError(t, err)
	assert.True(t, ok, "a renews its own lock")
	ttl, err = c.TTL(ctx, a.Key()).Result()
	require.NoError(t, err)
	assert.InDelta(t, 90, ttl.Seconds(), 1, "renewed to 90 s")

	require.NoError(t, a.Release(ctx))
	require.ErrorIs(t, c.Get(ctx, a.Key()).Err(), redis.Nil, "released")
	ok, err = b.Acquire(ctx, 60*time.Second)
	require.NoError(t, err)
	assert.True(t, ok, "b takes the released lock")
	ok, err = a.Renew(ctx, 60*time.Second)
	require.NoError(t, err)
	assert.False(t, ok, "a's lock is gone")
}

func TestLockConcurrentAcquire(t *testing.T) {
	t.Parallel()
	c := testClient(t)
	key := testPrefix(t, c) + ":usage_cleanup_lock"
	var won atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		l := NewLock(c, key)
		wg.Go(func() {
			ok, err := l.Acquire(context.Background(), 30*time.Second)
			assert.NoError(t, err)
			if ok {
				won.Add(1)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), won.Load(), "exactly one instance holds the lock")
}

func TestLockExpires(t *testing.T) {
	t.Parallel()
	c := testClient(t)
	prefix := testPrefix(t, c)
	ctx := context.Background()
	a, b := NewUsageCleanupLock(c, prefix), NewUsageCleanupLock(c, prefix)
	ok, err := a.Acquire(ctx, time.Second)
	require.NoError(t, err)
	require.True(t, ok)
	ttl, err := c.TTL(ctx, a.Key()).Result()
	require.NoError(t, err)
	assert.Equal(t, time.Second, ttl, "EX 1")

	deadline := time.Now().Add(5 * time.Second)
	for {
		ok, err := b.Acquire(ctx, 30*time.Second)
		require.NoError(t, err)
		if ok {
			break
		}
		require.True(t, time.Now().Before(deadline), "a's 1 s lock never expired")
		time.Sleep(50 * time.Millisecond)
	}
	ok, err = a.Renew(ctx, 30*time.Second)
	require.NoError(t, err)
	assert.False(t, ok, "a lost its lock when it expired")
	require.NoError(t, a.Release(ctx))
	v, err := c.Get(ctx, a.Key()).Result()
	require.NoError(t, err)
	assert.Equal(t, b.Value(), v, "a's release did not delete b's lock")
}

func TestLockSeconds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ttl  time.Duration
		want int64
	}{{0, 1}, {-time.Second, 1}, {time.Millisecond, 1}, {time.Second, 1}, {1500 * time.Millisecond, 2}, {60 * time.Second, 60}} {
		assert.Equal(t, tc.want, seconds(tc.ttl), "seconds(%v)", tc.ttl)
	}
}

func TestLockCanceledContext(t *testing.T) {
	t.Parallel()
	c := testClient(t)
	l := NewLock(c, testPrefix(t, c)+":lock")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := l.Acquire(ctx, time.Second)
	assert.Error(t, err)
	_, err = l.Renew(ctx, time.Second)
	assert.Error(t, err)
	assert.Error(t, l.Release(ctx))
}

func TestStoresLocks(t *testing.T) {
	t.Parallel()
	c := testClient(t)
	s1, s2 := New(c, "p"), New(c, "p")
	assert.Equal(t, "p:session_cleanup_lock", s1.SessionLock.Key())
	assert.Equal(t, "p:usage_cleanup_lock", s1.UsageLock.Key())
	assert.NotEqual(t, s1.SessionLock.Value(), s2.SessionLock.Value(), "one value per instance")
	assert.Regexp(t, uuidV4, s1.UsageLock.Value())
}
