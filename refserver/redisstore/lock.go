package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stampede-sio/stampede/refserver/webui"
)

// Lock is a lock shared by the instances of a deployment (SESS-5): the key
// holds the random UUID of the instance that took it, for a lifetime in
// whole seconds, as upstream's RedisLock. Unlike upstream, renewing and
// releasing check the value in a script, so an instance whose lock expired
// and was taken by another can neither extend nor delete the other's lock.
type Lock struct {
	c       redis.UniversalClient
	key     string
	value   string
	timeout time.Duration
}

var _ webui.Locker = (*Lock)(nil)

// NewLock returns a lock on key with a fresh random value, the default
// per-call timeout. Stores builds the app's two locks,
// {P}:session_cleanup_lock and {P}:usage_cleanup_lock; see also
// NewSessionCleanupLock and NewUsageCleanupLock.
func NewLock(client redis.UniversalClient, key string) *Lock {
	return newLock(client, key, DefaultTimeout)
}

// NewSessionCleanupLock returns the session reaper's lock under prefix.
func NewSessionCleanupLock(client redis.UniversalClient, prefix string) *Lock {
	return NewLock(client, NewKeys(prefix).SessionCleanupLock())
}

// NewUsageCleanupLock returns the usage reaper's lock under prefix.
func NewUsageCleanupLock(client redis.UniversalClient, prefix string) *Lock {
	return NewLock(client, NewKeys(prefix).UsageCleanupLock())
}

func newLock(client redis.UniversalClient, key string, timeout time.Duration) *Lock {
	return &Lock{c: client, key: key, value: newUUID(), timeout: timeout}
}

// Key is the lock's key.
func (l *Lock) Key() string { return l.key }

// Value is the UUID the lock holds while it is ours.
func (l *Lock) Value() string { return l.value }

// seconds is ttl in whole seconds, rounded up, at least 1: EX takes seconds
// (WEBSOCKET_REDIS_LOCK_TIMEOUT is in seconds) and 0 is an error.
func seconds(ttl time.Duration) int64 {
	return max(1, int64((ttl+time.Second-1)/time.Second))
}

// Acquire takes the lock for ttl when nobody holds it: SET key uuid NX EX.
// It is false while the key exists, even when it holds our own value.
func (l *Lock) Acquire(ctx context.Context, ttl time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	ok, err := l.c.SetNX(ctx, l.key, l.value, time.Duration(seconds(ttl))*time.Second).Result()
	if err != nil {
		return false, fmt.Errorf("redisstore: failed to acquire lock %s: %w", l.key, err)
	}
	return ok, nil
}

// renewScript extends KEYS[1] to ARGV[2] seconds if it holds ARGV[1].
var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return 0
`)

// releaseScript deletes KEYS[1] if it holds ARGV[1].
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// Renew extends the lock to ttl if it is still ours; false when it is not
// (expired, or taken by another instance).
func (l *Lock) Renew(ctx context.Context, ttl time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	n, err := renewScript.Run(ctx, l.c, []string{l.key}, l.value, seconds(ttl)).Int()
	if err != nil {
		return false, fmt.Errorf("redisstore: failed to renew lock %s: %w", l.key, err)
	}
	return n == 1, nil
}

// Release deletes the lock if it is still ours; releasing a lock we do not
// hold is not an error.
func (l *Lock) Release(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	if err := releaseScript.Run(ctx, l.c, []string{l.key}, l.value).Err(); err != nil {
		return fmt.Errorf("redisstore: failed to release lock %s: %w", l.key, err)
	}
	return nil
}
