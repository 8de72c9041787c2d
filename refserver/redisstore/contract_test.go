package redisstore

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver/webui"
)

// The contract tests run the same behaviour against webui's memory stores,
// the reference semantics, and the Redis ones.

type impl struct {
	sessions webui.SessionPool
	usage    webui.UsageStore
	revoked  webui.Revocations
	docs     webui.DocStore
	// usageSIDs reads a model's sids → updated_at straight from the store,
	// where the store allows it (Redis); nil for memory.
	usageSIDs func(t *testing.T, model string) map[string]int64
}

func eachImpl(t *testing.T, fn func(t *testing.T, s impl)) {
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		fn(t, impl{webui.NewMemorySessions(), webui.NewUsagePool(), webui.NewMemoryRevocations(), webui.NewMemoryDocStore(), nil})
	})
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		st, c := testStores(t)
		fn(t, impl{st.Sessions, st.Usage, st.Revocations, st.Docs, func(t *testing.T, model string) map[string]int64 {
			return rawUsage(t, c, st.Keys, model)
		}})
	})
}

func entry(id string, seen int64) webui.SessionEntry {
	return webui.SessionEntry{ID: id, Name: "User " + id, Email: id + "@example.com", Role: webui.RoleUser,
		Permissions: map[string]bool{"features.channels": true}, LastActiveAt: seen - 5, LastSeenAt: seen}
}

func TestSessionPoolContract(t *testing.T) {
	t.Parallel()
	eachImpl(t, func(t *testing.T, s impl) {
		p := s.sessions
		_, ok, err := p.Get("nobody")
		require.NoError(t, err)
		assert.False(t, ok, "Get of an unknown sid")

		require.NoError(t, p.Set("sid-a", entry("u1", 100)))
		require.NoError(t, p.Set("sid-b", entry("u2", 100)))
		require.NoError(t, p.Set("sid-a", entry("u1", 150))) // a heartbeat refresh (SESS-2)
		got, ok, err := p.Get("sid-a")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, entry("u1", 150), got)

		all, err := p.All()
		require.NoError(t, err)
		assert.Equal(t, map[string]webui.SessionEntry{"sid-a": entry("u1", 150), "sid-b": entry("u2", 100)}, all)

		require.NoError(t, p.Delete("sid-b"))
		require.NoError(t, p.Delete("sid-b"), "deleting an absent sid")
		_, ok, err = p.Get("sid-b")
		require.NoError(t, err)
		assert.False(t, ok, "Get after Delete")
	})
}

func TestSessionPoolExpireContract(t *testing.T) {
	t.Parallel()
	eachImpl(t, func(t *testing.T, s impl) {
		p := s.sessions
		gone, err := p.Expire(1000)
		require.NoError(t, err)
		assert.Empty(t, gone, "Expire of an empty pool")

		// More entries than one HSCAN batch, so Expire walks several.
		var want []string
		for i := range 700 {
			sid := fmt.Sprintf("sid-%04d", i)
			seen := int64(200)
			if i%3 == 0 {
				seen = 99 // stale
				want = append(want, sid)
			}
			if i == 1 {
				seen = 100 // exactly at the limit: kept, the limit is strict
			}
			require.NoError(t, p.Set(sid, entry("u", seen)))
		}
		gone, err = p.Expire(100)
		require.NoError(t, err)
		assert.Equal(t, want, gone, "expired sids, sorted")
		all, err := p.All()
		require.NoError(t, err)
		assert.Len(t, all, 700-len(want))
		for _, sid := range want {
			assert.NotContains(t, all, sid)
		}
	})
}

// TestSessionPoolExpireConcurrentRefresh refreshes stale entries while
// Expire runs: whatever the interleaving, a refreshed entry must survive.
func TestSessionPoolExpireConcurrentRefresh(t *testing.T) {
	t.Parallel()
	eachImpl(t, func(t *testing.T, s impl) {
		p := s.sessions
		const n = 600
		for i := range n {
			require.NoError(t, p.Set(fmt.Sprintf("sid-%04d", i), entry("u", 100)))
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2*n+1)
		wg.Go(func() {
			if _, err := p.Expire(500); err != nil {
				errs <- err
			}
		})
		for w := range 2 {
			wg.Go(func() {
				for i := w; i < n; i += 2 {
					if err := p.Set(fmt.Sprintf("sid-%04d", i), entry("u", 1000)); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		all, err := p.All()
		require.NoError(t, err)
		assert.Len(t, all, n, "every refreshed entry is kept")
		for sid, e := range all {
			assert.Equal(t, int64(1000), e.LastSeenAt, sid)
		}
	})
}

func TestUsageContract(t *testing.T) {
	t.Parallel()
	eachImpl(t, func(t *testing.T, s impl) {
		u := s.usage
		models, err := u.Models()
		require.NoError(t, err)
		assert.Empty(t, models)

		require.NoError(t, u.Mark("m2", "s1", 100))
		require.NoError(t, u.Mark("m1", "s1", 100))
		require.NoError(t, u.Mark("m1", "s2", 100))
		models, err = u.Models()
		require.NoError(t, err)
		assert.Equal(t, []string{"m1", "m2"}, models, "sorted")

		require.NoError(t, u.DropSID("s1"))
		models, err = u.Models()
		require.NoError(t, err)
		assert.Equal(t, []string{"m1"}, models, "m2 had only s1")
		require.NoError(t, u.DropSID("unknown"))
		require.NoError(t, u.DropSID("s2"))
		models, err = u.Models()
		require.NoError(t, err)
		assert.Empty(t, models, "a model with no sids is deleted")

		require.NoError(t, u.Mark("m1", "s1", 100))
		require.NoError(t, u.Mark("m1", "s2", 200))
		require.NoError(t, u.Mark("m2", "s3", 100))
		require.NoError(t, u.Mark("m3", "s4", 100))
		require.NoError(t, u.Mark("m3", "s4", 300)) // refreshed
		require.NoError(t, u.Expire(150))
		models, err = u.Models()
		require.NoError(t, err)
		assert.Equal(t, []string{"m1", "m3"}, models)
		require.NoError(t, u.Expire(200))
		models, err = u.Models()
		require.NoError(t, err)
		assert.Equal(t, []string{"m1", "m3"}, models, "updated_at == before is kept")
		require.NoError(t, u.Expire(201))
		models, err = u.Models()
		require.NoError(t, err)
		assert.Equal(t, []string{"m3"}, models)
		require.NoError(t, u.Expire(1000))
		models, err = u.Models()
		require.NoError(t, err)
		assert.Empty(t, models)
	})
}

// TestUsageConcurrentMark marks from several goroutines at once, as several
// instances do: every mark must be kept (with Redis, read from the hash).
func TestUsageConcurrentMark(t *testing.T) {
	t.Parallel()
	eachImpl(t, func(t *testing.T, s impl) {
		u := s.usage
		const workers, each = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, workers*each*2)
		want := map[string]int64{}
		for w := range workers {
			for i := range each {
				want[fmt.Sprintf("s%d-%d", w, i)] = int64(100 + i)
			}
			wg.Go(func() {
				for i := range each {
					sid := fmt.Sprintf("s%d-%d", w, i)
					if err := u.Mark("shared", sid, int64(100+i)); err != nil {
						errs <- err
					}
					if err := u.Mark(fmt.Sprintf("own-%d", w), sid, int64(100+i)); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		models, err := u.Models()
		require.NoError(t, err)
		assert.Len(t, models, workers+1)
		if s.usageSIDs != nil {
			assert.Equal(t, want, s.usageSIDs(t, "shared"), "no mark lost")
		}
		// Expire removes the sids marked before each limit; the shared
		// model stays until the newest mark goes.
		require.NoError(t, u.Expire(100+each-1))
		models, err = u.Models()
		require.NoError(t, err)
		assert.Equal(t, sortedOwn(workers), models[:workers])
		assert.Contains(t, models, "shared")
		if s.usageSIDs != nil {
			assert.Len(t, s.usageSIDs(t, "shared"), workers, "one sid per worker left")
		}
		for w := range workers {
			require.NoError(t, u.DropSID(fmt.Sprintf("s%d-%d", w, each-1)))
		}
		models, err = u.Models()
		require.NoError(t, err)
		assert.Empty(t, models)
	})
}

func sortedOwn(workers int) []string {
	out := make([]string, workers)
	for w := range workers {
		out[w] = fmt.Sprintf("own-%d", w)
	}
	return out
}

func TestRevocationsContract(t *testing.T) {
	t.Parallel()
	eachImpl(t, func(t *testing.T, s impl) {
		r := s.revoked
		revoked, err := r.TokenRevoked("jti-1")
		require.NoError(t, err)
		assert.False(t, revoked)
		require.NoError(t, r.RevokeToken("jti-1"))
		revoked, err = r.TokenRevoked("jti-1")
		require.NoError(t, err)
		assert.True(t, revoked)
		revoked, err = r.TokenRevoked("jti-2")
		require.NoError(t, err)
		assert.False(t, revoked, "another token")

		_, ok, err := r.UserRevokedAt("u1")
		require.NoError(t, err)
		assert.False(t, ok)
		require.NoError(t, r.RevokeUser("u1", 1700000000))
		at, ok, err := r.UserRevokedAt("u1")
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, int64(1700000000), at)
		require.NoError(t, r.RevokeUser("u1", 1700000100))
		at, _, err = r.UserRevokedAt("u1")
		require.NoError(t, err)
		assert.Equal(t, int64(1700000100), at, "a later revocation replaces it")
		_, ok, err = r.UserRevokedAt("u2")
		require.NoError(t, err)
		assert.False(t, ok, "another user")
	})
}
