package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultTimeout bounds each call of a store method, so that an unreachable
// or stalled Redis returns an error instead of hanging the caller (SCALE-3).
const DefaultTimeout = 2 * time.Second

// ErrCorrupt reports a value in Redis that could not be decoded (garbage
// JSON, a wrong type). Errors wrapping it say which key and field.
var ErrCorrupt = errors.New("redisstore: undecodable value")

// Options tune the stores. The zero value is the documented defaults.
type Options struct {
	// Prefix is REDIS_KEY_PREFIX; "" means DefaultPrefix.
	Prefix string
	// Timeout bounds every call; 0 means DefaultTimeout. For the bound to
	// cover a Redis that accepts connections but never answers, the client
	// needs ContextTimeoutEnabled (otherwise go-redis waits for its own
	// ReadTimeout, 3 s by default, before giving up).
	Timeout time.Duration
	// TokenRevokedTTL, when positive, is the lifetime of a token revocation
	// key. The default 0 keeps them forever: RevokeToken does not know when
	// the token expires, and tokens made with JWT_EXPIRES_IN=-1 never do, so
	// any fixed lifetime could make a revoked token valid again.
	TokenRevokedTTL time.Duration
}

// Stores are the app's shared state in one Redis (SCALE-2): plug them into
// webui.Config's Sessions, Usage, Revocations, DocStore, SessionLock and
// UsageLock.
type Stores struct {
	Keys        Keys
	Sessions    *SessionPool
	Usage       *UsageStore
	Revocations *Revocations
	Docs        *DocStore
	// SessionLock and UsageLock hold this instance's own random value: build
	// one Stores per instance.
	SessionLock *Lock
	UsageLock   *Lock
}

// New returns the stores under prefix ("" means DefaultPrefix) with the
// default options.
func New(client redis.UniversalClient, prefix string) *Stores {
	return NewWithOptions(client, Options{Prefix: prefix})
}

// NewWithOptions returns the stores with opts.
func NewWithOptions(client redis.UniversalClient, opts Options) *Stores {
	b := newBase(client, opts)
	return &Stores{
		Keys:        b.keys,
		Sessions:    &SessionPool{base: b},
		Usage:       &UsageStore{base: b},
		Revocations: &Revocations{base: b, ttl: opts.TokenRevokedTTL},
		Docs:        &DocStore{base: b},
		SessionLock: newLock(client, b.keys.SessionCleanupLock(), b.timeout),
		UsageLock:   newLock(client, b.keys.UsageCleanupLock(), b.timeout),
	}
}

// base is what every store shares: the client, the key layout and the
// per-call timeout.
type base struct {
	c       redis.UniversalClient
	keys    Keys
	timeout time.Duration
}

func newBase(client redis.UniversalClient, opts Options) base {
	t := opts.Timeout
	if t <= 0 {
		t = DefaultTimeout
	}
	return base{c: client, keys: NewKeys(opts.Prefix), timeout: t}
}

// ctx returns the context of one call: the interfaces take none, so each
// call gets its own deadline.
func (b base) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), b.timeout)
}

// newUUID returns a random UUID version 4, as upstream's uuid.uuid4().
func newUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:], u[10:])
	return string(s[:])
}
