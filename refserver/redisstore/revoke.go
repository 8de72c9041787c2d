package redisstore

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stampede-sio/stampede/refserver/webui"
)

// Revocations are the revocation keys (AUTH-6): {P}:auth:token:{jti}:revoked
// holding "1", and {P}:auth:user:{id}:revoked_at holding unix seconds as a
// decimal string.
type Revocations struct {
	base
	ttl time.Duration // of token keys; 0 keeps them
}

var _ webui.Revocations = (*Revocations)(nil)

// TokenRevoked reports whether jti was revoked (EXISTS).
func (r *Revocations) TokenRevoked(jti string) (bool, error) {
	ctx, cancel := r.ctx()
	defer cancel()
	n, err := r.c.Exists(ctx, r.keys.TokenRevoked(jti)).Result()
	if err != nil {
		return false, fmt.Errorf("redisstore: failed to check token revocation: %w", err)
	}
	return n > 0, nil
}

// RevokeToken revokes one token id (SET "1", with Options.TokenRevokedTTL
// when set).
func (r *Revocations) RevokeToken(jti string) error {
	ctx, cancel := r.ctx()
	defer cancel()
	if err := r.c.Set(ctx, r.keys.TokenRevoked(jti), "1", r.ttl).Err(); err != nil {
		return fmt.Errorf("redisstore: failed to revoke token: %w", err)
	}
	return nil
}

// UserRevokedAt returns when all of a user's tokens were revoked. A value
// that is not a number is an error wrapping ErrCorrupt.
func (r *Revocations) UserRevokedAt(id string) (int64, bool, error) {
	ctx, cancel := r.ctx()
	defer cancel()
	key := r.keys.UserRevokedAt(id)
	v, err := r.c.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("redisstore: failed to read user revocation: %w", err)
	}
	at, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		// A writer in Python might store a float timestamp.
		f, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil || f != f || f < -1<<62 || f > 1<<62 {
			return 0, false, fmt.Errorf("%w: %s holds %q", ErrCorrupt, key, v)
		}
		at = int64(f)
	}
	return at, true, nil
}

// RevokeUser revokes every token of id issued at or before unix (SET, no
// expiry: it must outlive every token of the user).
func (r *Revocations) RevokeUser(id string, unix int64) error {
	ctx, cancel := r.ctx()
	defer cancel()
	if err := r.c.Set(ctx, r.keys.UserRevokedAt(id), strconv.FormatInt(unix, 10), 0).Err(); err != nil {
		return fmt.Errorf("redisstore: failed to revoke user: %w", err)
	}
	return nil
}

// UnrevokeUser forgets a user's revocation time (DEL).
func (r *Revocations) UnrevokeUser(id string) error {
	ctx, cancel := r.ctx()
	defer cancel()
	if err := r.c.Del(ctx, r.keys.UserRevokedAt(id)).Err(); err != nil {
		return fmt.Errorf("redisstore: failed to unrevoke user: %w", err)
	}
	return nil
}
