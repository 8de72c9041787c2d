package redisstore

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver/webui"
)

// The outage tests check SCALE-3: with Redis gone every method returns an
// error within its timeout, and nothing panics.

// everyCall is one call of each store method.
func everyCall(st *Stores) map[string]func() error {
	ctx := context.Background()
	return map[string]func() error{
		"Sessions.Set":    func() error { return st.Sessions.Set("s", webui.SessionEntry{}) },
		"Sessions.Get":    func() error { _, _, err := st.Sessions.Get("s"); return err },
		"Sessions.Delete": func() error { return st.Sessions.Delete("s") },
		"Sessions.Expire": func() error { _, err := st.Sessions.Expire(1); return err },
		"Sessions.All":    func() error { _, err := st.Sessions.All(); return err },
		"Usage.Mark":      func() error { return st.Usage.Mark("m", "s", 1) },
		"Usage.DropSID":   func() error { return st.Usage.DropSID("s") },
		"Usage.Expire":    func() error { return st.Usage.Expire(1) },
		"Usage.Models":    func() error { _, err := st.Usage.Models(); return err },
		"Revocations.TokenRevoked": func() error {
			_, err := st.Revocations.TokenRevoked("j")
			return err
		},
		"Revocations.RevokeToken": func() error { return st.Revocations.RevokeToken("j") },
		"Revocations.UserRevokedAt": func() error {
			_, _, err := st.Revocations.UserRevokedAt("u")
			return err
		},
		"Revocations.RevokeUser": func() error { return st.Revocations.RevokeUser("u", 1) },
		"Docs.Append":            func() error { _, err := st.Docs.Append("d", []byte{1}); return err },
		"Docs.Updates":           func() error { _, err := st.Docs.Updates("d"); return err },
		"Docs.Compact":           func() error { return st.Docs.Compact("d", 1, []byte{1}) },
		"Docs.Delete":            func() error { return st.Docs.Delete("d") },
		"Docs.AddMember":         func() error { return st.Docs.AddMember("d", "s") },
		"Docs.RemoveMember":      func() error { _, err := st.Docs.RemoveMember("d", "s"); return err },
		"Docs.Members":           func() error { _, err := st.Docs.Members("d"); return err },
		"Lock.Acquire":           func() error { _, err := st.SessionLock.Acquire(ctx, time.Second); return err },
		"Lock.Renew":             func() error { _, err := st.SessionLock.Renew(ctx, time.Second); return err },
		"Lock.Release":           func() error { return st.SessionLock.Release(ctx) },
	}
}

// checkEveryCallFails runs every call at once and wants each to fail
// within limit.
func checkEveryCallFails(t *testing.T, st *Stores, limit time.Duration) {
	t.Helper()
	var wg sync.WaitGroup
	for name, call := range everyCall(st) {
		wg.Go(func() {
			start := time.Now()
			err := call()
			took := time.Since(start)
			assert.Error(t, err, name)
			assert.Less(t, took, limit, "%s took %v", name, took)
		})
	}
	wg.Wait()
}

// TestRedisDown points the stores at a port where nothing listens, with
// the default client options and timeout.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	checkEveryCallFails(t, New(c, "down"), DefaultTimeout+time.Second)
}

// TestRedisStalled points the stores at a server that accepts connections
// and never answers: with ContextTimeoutEnabled the per-call timeout bounds
// every call.
func TestRedisStalled(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var conns sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	conns.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open = append(open, conn)
			mu.Unlock()
			conns.Go(func() { _, _ = io.Copy(io.Discard, conn) })
		}
	})
	c := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), ContextTimeoutEnabled: true})
	st := NewWithOptions(c, Options{Prefix: "stalled", Timeout: 300 * time.Millisecond})
	checkEveryCallFails(t, st, 2*time.Second)
	_ = c.Close()
	_ = ln.Close()
	mu.Lock()
	for _, conn := range open {
		_ = conn.Close()
	}
	mu.Unlock()
	conns.Wait()
}
