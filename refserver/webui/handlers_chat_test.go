package webui_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// CHAT-3: events:chat last_read_at is answered with chat:list to every tab
// of the user and to no one else.
func TestChatLastReadAt(t *testing.T) {
	t.Parallel()
	for _, profile := range []string{documented, openWebUI} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, refserver.Config{Profile: profile})
			tab1 := r.connect(t, "u000002")
			tab2 := r.join(t, "u000002")
			other := r.join(t, "u000003")

			before := time.Now().Unix()
			tab1.ack(t, "events:chat", map[string]any{"chat_id": "chat-1", "data": map[string]any{"type": "last_read_at"}})
			after := time.Now().Unix()
			for i, tb := range []*tab{tab1, tab2} {
				evs := tb.wait(t, "events", 1)
				var got struct {
					ChatID string `json:"chat_id"`
					Data   struct {
						Type string `json:"type"`
						Data struct {
							ChatID     string `json:"chat_id"`
							LastReadAt int64  `json:"last_read_at"`
						} `json:"data"`
					} `json:"data"`
				}
				require.NoError(t, evs[0].Decode(&got))
				assert.Equal(t, "chat-1", got.ChatID, "tab %d", i)
				assert.Equal(t, "chat:list", got.Data.Type, "tab %d", i)
				assert.Equal(t, "chat-1", got.Data.Data.ChatID, "tab %d", i)
				assert.GreaterOrEqual(t, got.Data.Data.LastReadAt, before, "tab %d", i)
				assert.LessOrEqual(t, got.Data.Data.LastReadAt, after, "tab %d", i)
			}
			other.none(t, "another user's socket")

			tab1.ack(t, "events:chat", map[string]any{"chat_id": "chat-1", "data": map[string]any{"type": "other"}})
			tab1.ack(t, "events:chat", map[string]any{"chat_id": "chat-1"})
			for i, tb := range []*tab{tab1, tab2} {
				tb.sync(t)
				assert.Len(t, tb.got("events"), 1, "tab %d: other types answer nothing", i)
			}
		})
	}
}

// CHAT-3 from a socket without a session (profile open-webui): nothing.
func TestChatLastReadAtAnonymous(t *testing.T) {
	t.Parallel()
	r := newRig(t, refserver.Config{Profile: openWebUI})
	anon := r.anonymous(t)
	user := r.join(t, "u000002")
	anon.ack(t, "events:chat", map[string]any{"chat_id": "chat-1", "data": map[string]any{"type": "last_read_at"}})
	anon.none(t, "anonymous sender")
	user.none(t, "session user")
}

// CHAT-4: usage marks the model in use (GET /api/usage model_ids); from a
// socket without a session, or without a model, it is ignored.
func TestUsage(t *testing.T) {
	t.Parallel()
	r := newRig(t, refserver.Config{Profile: openWebUI})
	models, users := r.usage(t)
	require.Empty(t, models)
	require.Zero(t, users)

	anon := r.anonymous(t)
	assert.Empty(t, anon.ack(t, "usage", map[string]any{"model": "anon-model", "action": "generate", "chat_id": "c"}).Args)
	models, _ = r.usage(t)
	assert.Empty(t, models, "usage from an anonymous socket is ignored")

	tb := r.join(t, "u000002")
	tb.ack(t, "usage", map[string]any{"action": "generate", "chat_id": "c"})
	tb.ack(t, "usage", map[string]any{"model": "", "action": "generate", "chat_id": "c"})
	tb.ack(t, "usage", "llama3")
	models, _ = r.usage(t)
	assert.Empty(t, models, "usage without a model is ignored")

	tb.ack(t, "usage", map[string]any{"model": "llama3", "action": "generate", "chat_id": "c"})
	tb.ack(t, "usage", map[string]any{"model": "gpt-4o", "action": "generate", "chat_id": "d"})
	tb.ack(t, "usage", map[string]any{"model": "llama3", "action": "generate", "chat_id": "c"})
	models, users = r.usage(t)
	assert.Equal(t, []string{"gpt-4o", "llama3"}, models)
	assert.Equal(t, 1, users)
}

// CHAT-4, SESS-4 at the unit level: the usage pool's marks, per-sid drop
// and expiry.
func TestUsagePool(t *testing.T) {
	t.Parallel()
	u := webui.NewUsagePool()
	assert.Empty(t, must(u.Models()))
	u.Mark("b", "s1", 10)
	u.Mark("a", "s1", 10)
	u.Mark("a", "s2", 20)
	assert.Equal(t, []string{"a", "b"}, must(u.Models()))
	u.DropSID("s1")
	assert.Equal(t, []string{"a"}, must(u.Models()), "s2 still uses a")
	u.Mark("c", "s3", 5)
	u.Expire(20) // drops entries updated before 20
	assert.Equal(t, []string{"a"}, must(u.Models()))
	u.Expire(21)
	assert.Empty(t, must(u.Models()))
}
