package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stampede-sio/stampede/internal/test/leakcheck"
	"github.com/stampede-sio/stampede/internal/test/redistest"
)

// TestMain checks that no test leaves a goroutine behind: every client and
// fake server is closed.
func TestMain(m *testing.M) {
	leakcheck.Main(m, nil, redistest.GoleakIgnore())
}

// redisAddr is where the tests expect a real Redis; CI installs one.
const redisAddr = "127.0.0.1:6379"

// testClient returns a client of the real Redis. An unreachable Redis fails
// the test, unless STAMPEDE_NO_REDIS=1 asks to skip it.
func testClient(tb testing.TB) *redis.Client {
	tb.Helper()
	if os.Getenv("STAMPEDE_NO_REDIS") == "1" {
		tb.Skip("STAMPEDE_NO_REDIS=1: skipping the tests against a real Redis")
	}
	c := redis.NewClient(&redis.Options{Addr: redisAddr, ContextTimeoutEnabled: true})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		tb.Fatalf("Redis is not reachable at %s: %v\n"+
			"These tests need a real Redis (CI installs one); set STAMPEDE_NO_REDIS=1 to skip them.", redisAddr, err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// testPrefix returns a prefix no other test uses, and deletes every key
// under it when the test ends.
func testPrefix(tb testing.TB, c *redis.Client) string {
	tb.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "stampede-test:" + hex.EncodeToString(b[:])
	tb.Cleanup(func() { deletePrefix(tb, c, prefix) })
	return prefix
}

func deletePrefix(tb testing.TB, c *redis.Client, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	iter := c.Scan(ctx, 0, prefix+":*", 500).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		tb.Errorf("failed to scan test keys: %v", err)
		return
	}
	if len(keys) > 0 {
		if err := c.Del(ctx, keys...).Err(); err != nil {
			tb.Errorf("failed to delete test keys: %v", err)
		}
	}
}

// testStores returns stores under a fresh prefix, and their client.
func testStores(tb testing.TB) (*Stores, *redis.Client) {
	tb.Helper()
	c := testClient(tb)
	return New(c, testPrefix(tb, c)), c
}
