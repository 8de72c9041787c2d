package redisstore

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The layout tests read the raw keys with the client, so the formats are
// checked against upstream's, not only against this package's own reader.

// rawUsage reads a usage pool value as upstream's JSON.
func rawUsage(t *testing.T, c *redis.Client, k Keys, model string) map[string]int64 {
	t.Helper()
	v, err := c.HGet(context.Background(), k.UsagePool(), model).Result()
	require.NoError(t, err)
	var m map[string]struct {
		UpdatedAt *int64 `json:"updated_at"`
	}
	require.NoError(t, json.Unmarshal([]byte(v), &m), "usage_pool[%s] = %s", model, v)
	out := map[string]int64{}
	for sid, e := range m {
		require.NotNil(t, e.UpdatedAt, "usage_pool[%s][%s] has no updated_at: %s", model, sid, v)
		out[sid] = *e.UpdatedAt
	}
	return out
}

func TestKeys(t *testing.T) {
	t.Parallel()
	k := NewKeys("")
	for _, tc := range []struct{ got, want string }{
		{k.SessionPool(), "open-webui:session_pool"},
		{k.UsagePool(), "open-webui:usage_pool"},
		{k.SessionCleanupLock(), "open-webui:session_cleanup_lock"},
		{k.UsageCleanupLock(), "open-webui:usage_cleanup_lock"},
		{k.TokenRevoked("j1"), "open-webui:auth:token:j1:revoked"},
		{k.UserRevokedAt("u1"), "open-webui:auth:user:u1:revoked_at"},
		{k.DocUpdates("note:abc"), "open-webui:ydoc:documents:note_abc:updates"},
		{k.DocUsers("note:abc"), "open-webui:ydoc:documents:note_abc:users"},
		{k.Instance("h1"), "open-webui:stampede:instance:h1"},
		{NewKeys("p").SessionPool(), "p:session_pool"},
	} {
		assert.Equal(t, tc.want, tc.got)
	}
}

func TestLayoutSessionPool(t *testing.T) {
	t.Parallel()
	st, c := testStores(t)
	ctx := context.Background()
	require.NoError(t, st.Sessions.Set("sid-1", entry("u1", 1700000000)))
	v, err := c.HGet(ctx, st.Keys.Prefix()+":session_pool", "sid-1").Result()
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(v), &got))
	assert.Equal(t, map[string]any{"id": "u1", "name": "User u1", "email": "u1@example.com", "role": "user",
		"permissions": map[string]any{"features.channels": true}, "last_active_at": 1699999995.0,
		"last_seen_at": 1700000000.0}, got)

	// An entry as upstream writes it (json.dumps, more user fields) reads.
	upstream := `{"id": "u2", "email": "u2@example.com", "name": "U2", "role": "admin", "last_active_at": 1, ` +
		`"updated_at": 2, "created_at": 3, "info": null, "last_seen_at": 1700000001}`
	require.NoError(t, c.HSet(ctx, st.Keys.SessionPool(), "sid-2", upstream).Err())
	e, ok, err := st.Sessions.Get("sid-2")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "u2", e.ID)
	assert.EqualValues(t, "admin", e.Role)
	assert.Equal(t, int64(1700000001), e.LastSeenAt)
}

func TestLayoutUsagePool(t *testing.T) {
	t.Parallel()
	st, c := testStores(t)
	ctx := context.Background()
	require.NoError(t, st.Usage.Mark("llama3", "sid-1", 1700000000))
	v, err := c.HGet(ctx, st.Keys.Prefix()+":usage_pool", "llama3").Result()
	require.NoError(t, err)
	assert.JSONEq(t, `{"sid-1": {"updated_at": 1700000000}}`, v)

	// A value upstream wrote is extended, not replaced.
	require.NoError(t, c.HSet(ctx, st.Keys.UsagePool(), "qwen", `{"sid-9": {"updated_at": 1700000005}}`).Err())
	require.NoError(t, st.Usage.Mark("qwen", "sid-1", 1700000006))
	assert.Equal(t, map[string]int64{"sid-9": 1700000005, "sid-1": 1700000006}, rawUsage(t, c, st.Keys, "qwen"))
	require.NoError(t, st.Usage.DropSID("sid-1"))
	n, err := c.HLen(ctx, st.Keys.UsagePool()).Result()
	require.NoError(t, err)
	assert.Equal(t, int64(1), n, "llama3 lost its only sid and is gone")
}

func TestLayoutDocuments(t *testing.T) {
	t.Parallel()
	st, c := testStores(t)
	ctx := context.Background()
	_, err := st.Docs.Append("note:abc", []byte{1, 2, 255})
	require.NoError(t, err)
	require.NoError(t, st.Docs.AddMember("note:abc", "sid-1"))
	p := st.Keys.Prefix()
	got, err := c.LRange(ctx, p+":ydoc:documents:note_abc:updates", 0, -1).Result()
	require.NoError(t, err)
	assert.Equal(t, []string{"[1, 2, 255]"}, got, "json.dumps(list(update))")
	members, err := c.SMembers(ctx, p+":ydoc:documents:note_abc:users").Result()
	require.NoError(t, err)
	assert.Equal(t, []string{"sid-1"}, members)

	require.NoError(t, c.RPush(ctx, st.Keys.DocUpdates("note:abc"), "[4,5]").Err()) // compact JSON reads too
	ups, err := st.Docs.Updates("note:abc")
	require.NoError(t, err)
	assert.Equal(t, [][]byte{{1, 2, 255}, {4, 5}}, ups)
}

func TestLayoutRevocations(t *testing.T) {
	t.Parallel()
	c := testClient(t)
	prefix := testPrefix(t, c)
	ctx := context.Background()
	st := New(c, prefix)
	require.NoError(t, st.Revocations.RevokeToken("jti-1"))
	require.NoError(t, st.Revocations.RevokeUser("u1", 1700000000))
	v, err := c.Get(ctx, prefix+":auth:token:jti-1:revoked").Result()
	require.NoError(t, err)
	assert.Equal(t, "1", v)
	ttl, err := c.TTL(ctx, prefix+":auth:token:jti-1:revoked").Result()
	require.NoError(t, err)
	assert.Equal(t, time.Duration(-1), ttl, "no expiry by default")
	v, err = c.Get(ctx, prefix+":auth:user:u1:revoked_at").Result()
	require.NoError(t, err)
	assert.Equal(t, "1700000000", v)

	withTTL := NewWithOptions(c, Options{Prefix: prefix, TokenRevokedTTL: 30 * 24 * time.Hour})
	require.NoError(t, withTTL.Revocations.RevokeToken("jti-2"))
	ttl, err = c.TTL(ctx, prefix+":auth:token:jti-2:revoked").Result()
	require.NoError(t, err)
	assert.InDelta(t, float64(30*24*time.Hour), float64(ttl), float64(time.Minute))

	require.NoError(t, c.Set(ctx, prefix+":auth:user:u2:revoked_at", "1700000000.75", 0).Err()) // a float, as Python might write
	at, ok, err := st.Revocations.UserRevokedAt("u2")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, int64(1700000000), at)
}

// TestSessionPoolExpireRefreshAfterScan refreshes entries exactly between
// Expire's scan and its delete: the script must see they are no longer old.
func TestSessionPoolExpireRefreshAfterScan(t *testing.T) {
	t.Parallel()
	st, _ := testStores(t)
	p := st.Sessions
	for _, sid := range []string{"a", "b", "c", "d"} {
		require.NoError(t, p.Set(sid, entry("u", 100)))
	}
	p.afterScan = func() {
		p.afterScan = nil
		require.NoError(t, p.Set("b", entry("u", 900)))
		require.NoError(t, p.Set("d", entry("u", 900)))
	}
	gone, err := p.Expire(500)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "c"}, gone)
	all, err := p.All()
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"b": 900, "d": 900}, seen(all))
}

// SCALE-3: Lost is true at an instance's first call, false while its
// marker lives, and true again once the prefix's keys are gone.
func TestSessionPoolLost(t *testing.T) {
	t.Parallel()
	st, c := testStores(t)
	ctx := context.Background()
	for i, want := range []bool{true, false, false} {
		lost, err := st.Sessions.Lost("host-a")
		require.NoError(t, err)
		assert.Equal(t, want, lost, "call %d", i)
	}
	ttl, err := c.TTL(ctx, st.Keys.Instance("host-a")).Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, time.Minute, "the marker expires by itself")
	lost, err := st.Sessions.Lost("host-b")
	require.NoError(t, err)
	assert.True(t, lost, "each instance has its own marker")

	require.NoError(t, c.Del(ctx, st.Keys.Instance("host-a"), st.Keys.Instance("host-b")).Err())
	lost, err = st.Sessions.Lost("host-a")
	require.NoError(t, err)
	assert.True(t, lost, "after a flush")
}
