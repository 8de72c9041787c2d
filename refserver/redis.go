package refserver

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stampede-sio/stampede/refserver/broker"
	"github.com/stampede-sio/stampede/refserver/redisstore"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// scale is the Redis mode's plumbing (SCALE-1…3): one client for the
// broker and the stores.
type scale struct {
	client   *redis.Client
	broker   *broker.Broker
	health   healthPing
	sessions *redisstore.SessionPool // nil under the local-state fault
}

// redisTimeout bounds every Redis call, so that a stalled Redis costs a
// request two seconds at most, never a hung instance (SCALE-3).
const redisTimeout = 2 * time.Second

// newScale connects to cfg.RedisURL lazily: an unreachable Redis at start-up
// is logged and retried, as one lost later would be (SCALE-3).
func newScale(cfg Config) (*scale, error) {
	quietRedis.Do(func() { redis.SetLogger(silentLogger{}) })
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("%w: redis URL: %v", ErrConfig, err)
	}
	opts.ClientName = "stampede-refserver"
	opts.DialTimeout = redisTimeout
	opts.ReadTimeout = redisTimeout
	opts.WriteTimeout = redisTimeout
	opts.MaxRetries = 1
	opts.ContextTimeoutEnabled = true
	client := redis.NewClient(opts)
	b, err := broker.New(broker.Config{
		Client:       client,
		Channel:      cfg.RedisChannel,
		RoomChannels: !cfg.RedisSharedChannel,
		Logger:       cfg.Logger.With("component", "broker"),
		Faults:       cfg.Faults.Broker,
	})
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		cfg.Logger.Error("redis unreachable at start-up; serving alone until it answers", "url", opts.Addr, "err", err)
	}
	return &scale{client: client, broker: b}, nil
}

// appStores puts the app's shared state in Redis (SCALE-2, SESS-5).
func (sc *scale) appStores(cfg Config, wc *webui.Config) {
	if cfg.Faults.Scale.LocalState { // the fault breaks SCALE-2, and CHAN-4 across instances
		wc.Faults.NoPopulationSync = true
		return
	}
	st := redisstore.NewWithOptions(sc.client, redisstore.Options{Prefix: cfg.RedisKeyPrefix, Timeout: redisTimeout})
	wc.Sessions, wc.Usage, wc.Revocations, wc.DocStore = st.Sessions, st.Usage, st.Revocations, st.Docs
	sc.sessions = st.Sessions
	wc.SessionLock, wc.UsageLock = st.SessionLock, st.UsageLock
	if cfg.Faults.Scale.LockOverwrite { // the fault breaks SESS-5
		wc.SessionLock = overwritingLock{wc.SessionLock, sc.client, cfg.RedisKeyPrefix + ":session_cleanup_lock"}
		wc.UsageLock = overwritingLock{wc.UsageLock, sc.client, cfg.RedisKeyPrefix + ":usage_cleanup_lock"}
	}
	wc.LockTimeout = cfg.RedisLockTimeout
}

// overwritingLock is the lock-overwrite fault: it renews with SET XX
// whatever the value, as a naive lock does, so it takes back a lock that
// another instance holds (SESS-5).
type overwritingLock struct {
	webui.Locker
	client *redis.Client
	key    string
}

func (l overwritingLock) Renew(ctx context.Context, ttl time.Duration) (bool, error) {
	ok, err := l.Locker.Renew(ctx, ttl)
	if ok || err != nil {
		return ok, err
	}
	res, err := l.client.SetArgs(ctx, l.key, "overwritten-by-fault", redis.SetArgs{Mode: "XX", TTL: ttl}).Result()
	if err == redis.Nil {
		return false, nil
	}
	return res == "OK", err
}

func (sc *scale) close() { sc.client.Close() }

// restorePeriod is how often an instance checks that Redis still holds
// what it wrote (one SET … GET).
const restorePeriod = time.Second

// restoreSessions writes this instance's sessions back into the pool each
// time Redis turns out to have lost them (restarted empty, flushed), until
// ctx is done (SCALE-3). A restore that fails is tried again at the next
// period, whatever the marker says.
func (sc *scale) restoreSessions(ctx context.Context, app *webui.App, log *slog.Logger) {
	t := time.NewTicker(restorePeriod)
	defer t.Stop()
	pending := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		lost, err := sc.sessions.Lost(sc.broker.HostID())
		if err != nil {
			continue // Redis away: the broker and the app log it
		}
		if !lost && !pending {
			continue
		}
		n, err := app.RestoreSessions()
		pending = err != nil
		if err != nil {
			log.Warn("redis lost the session pool; writing this instance's sessions back failed, retrying", "written", n, "err", err)
		} else if n > 0 {
			log.Info("redis lost the session pool; wrote this instance's sessions back", "sessions", n)
		}
	}
}

// quietRedis silences go-redis's own logger, which prints every failed
// dial: the broker and the app report Redis trouble themselves, rate-limited,
// and count it in /metrics.
var quietRedis sync.Once

type silentLogger struct{}

func (silentLogger) Printf(context.Context, string, ...any) {}

// Broker returns the Redis broker, nil without Redis.
func (s *Server) Broker() *broker.Broker {
	if s.scale == nil {
		return nil
	}
	return s.scale.broker
}

// BrokerStats returns the Redis broker's counters, nil without Redis.
func (s *Server) BrokerStats() *broker.Stats {
	if s.scale == nil {
		return nil
	}
	return s.scale.broker.Stats()
}
