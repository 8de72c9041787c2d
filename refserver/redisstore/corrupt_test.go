package redisstore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver/webui"
)

// The corrupt tests put garbage where the stores expect JSON: every method
// must return an error wrapping ErrCorrupt, or repair and report, and never
// panic.

func seen(all map[string]webui.SessionEntry) map[string]int64 {
	out := map[string]int64{}
	for sid, e := range all {
		out[sid] = e.LastSeenAt
	}
	return out
}

func TestCorruptSessions(t *testing.T) {
	t.Parallel()
	st, c := testStores(t)
	ctx := context.Background()
	key := st.Keys.SessionPool()
	require.NoError(t, st.Sessions.Set("good", entry("u", 100)))
	require.NoError(t, st.Sessions.Set("fresh", entry("u", 900)))
	for sid, v := range map[string]string{
		"garbage":    "not json {",
		"null":       "null",
		"array":      "[1, 2]",
		"wrong-type": `{"id": "u", "last_seen_at": "yesterday"}`,
	} {
		require.NoError(t, c.HSet(ctx, key, sid, v).Err())
	}

	_, ok, err := st.Sessions.Get("garbage")
	require.ErrorIs(t, err, ErrCorrupt)
	assert.False(t, ok)
	assert.Contains(t, err.Error(), `"garbage"`, "the error names the field")

	all, err := st.Sessions.All()
	require.ErrorIs(t, err, ErrCorrupt)
	assert.Equal(t, map[string]int64{"good": 100, "fresh": 900}, seen(all), "readable entries still returned")

	gone, err := st.Sessions.Expire(500)
	require.ErrorIs(t, err, ErrCorrupt, "undecodable entries are reported")
	assert.Equal(t, []string{"good"}, gone)
	left, err := c.HKeys(ctx, key).Result()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"fresh"}, left, "undecodable entries removed with the expired")
	_, err = st.Sessions.Expire(500)
	require.NoError(t, err, "the pool was repaired")
}

func TestCorruptUsage(t *testing.T) {
	t.Parallel()
	st, c := testStores(t)
	ctx := context.Background()
	key := st.Keys.UsagePool()
	require.NoError(t, c.HSet(ctx, key, "m1", "not json").Err())
	require.ErrorIs(t, st.Usage.Mark("m1", "s1", 100), ErrCorrupt)
	assert.Equal(t, map[string]int64{"s1": 100}, rawUsage(t, c, st.Keys, "m1"), "the mark replaced the garbage")

	require.NoError(t, c.HSet(ctx, key, "m2", `{"s1": 5, "s2": {"updated_at": 100}, "s3": {"updated_at": "x"}}`).Err())
	require.ErrorIs(t, st.Usage.Expire(50), ErrCorrupt)
	assert.Equal(t, map[string]int64{"s2": 100}, rawUsage(t, c, st.Keys, "m2"), "malformed sids dropped, good kept")

	require.NoError(t, c.HSet(ctx, key, "m3", `[]`).Err())
	require.NoError(t, c.HSet(ctx, key, "m4", `"a string"`).Err())
	require.ErrorIs(t, st.Usage.DropSID("s1"), ErrCorrupt)
	models, err := st.Usage.Models()
	require.NoError(t, err)
	assert.Equal(t, []string{"m2"}, models, "m1 lost its sid, m3 and m4 were garbage")
	require.NoError(t, st.Usage.DropSID("s2"))
	require.NoError(t, st.Usage.Expire(0))
}

func TestCorruptDocuments(t *testing.T) {
	t.Parallel()
	st, c := testStores(t)
	ctx := context.Background()
	for _, bad := range []string{"garbage", "[300]", "[-1]", "[1.5]", `{"a": 1}`, "null"} {
		key := st.Keys.DocUpdates("doc-" + bad)
		require.NoError(t, c.RPush(ctx, key, "[1]", bad).Err())
		_, err := st.Docs.Updates("doc-" + bad)
		assert.ErrorIs(t, err, ErrCorrupt, "element %q", bad)
	}
}

func TestCorruptRevocation(t *testing.T) {
	t.Parallel()
	st, c := testStores(t)
	require.NoError(t, c.Set(context.Background(), st.Keys.UserRevokedAt("u1"), "soon", 0).Err())
	_, ok, err := st.Revocations.UserRevokedAt("u1")
	require.ErrorIs(t, err, ErrCorrupt)
	assert.False(t, ok)
}
