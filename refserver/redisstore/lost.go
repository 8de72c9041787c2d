package redisstore

import (
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// markerTTL is how long an instance's marker outlives its last refresh: an
// instance gone for good leaves no key behind for long.
const markerTTL = 10 * time.Minute

// Lost reports whether Redis lost what this instance wrote since the
// previous call (SCALE-3): it refreshes the marker Keys.Instance(instance)
// with SET … GET and is true when the marker was missing, that is when
// Redis restarted without its data or the prefix's keys were flushed. The
// first call of an instance is true. Call it more often than markerTTL.
func (p *SessionPool) Lost(instance string) (bool, error) {
	ctx, cancel := p.ctx()
	defer cancel()
	err := p.c.SetArgs(ctx, p.keys.Instance(instance), "1", redis.SetArgs{TTL: markerTTL, Get: true}).Err()
	switch {
	case errors.Is(err, redis.Nil):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("redisstore: failed to refresh the instance marker: %w", err)
	}
	return false, nil
}
