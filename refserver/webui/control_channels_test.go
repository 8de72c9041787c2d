package webui_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// CHAN-3: a posted message reaches every member socket; non-members get
// nothing and may not post.
func TestControlChannelMessage(t *testing.T) {
	t.Parallel()
	env := newCtlEnv(t, refserver.Config{})
	// c0002 holds the odd users, c0003 the even ones.
	a1, a2, b, outsider := env.connect(t, 3), env.connect(t, 3), env.connect(t, 5), env.connect(t, 4)

	r := env.do(t, "POST", "/api/v1/channels/c0002/messages/post", ctlToken(t, 3), map[string]any{
		"content": "hello", "temp_id": "tmp-1", "data": map[string]any{"files": []any{}},
	})
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	assert.Equal(t, "3", r.header.Get(webui.SocketsHeader))
	var msg struct {
		ID        string `json:"id"`
		UserID    string `json:"user_id"`
		ChannelID string `json:"channel_id"`
		Content   string `json:"content"`
		CreatedAt int64  `json:"created_at"`
	}
	r.json(t, &msg)
	assert.NotEmpty(t, msg.ID)
	assert.Equal(t, webui.UserID(3), msg.UserID)
	assert.Equal(t, "c0002", msg.ChannelID)
	assert.Equal(t, "hello", msg.Content)
	assert.Positive(t, msg.CreatedAt)

	for _, c := range []*ctlConn{a1, a2, b} {
		_, got := c.event(t, "events:channel")
		var ev struct {
			ChannelID string `json:"channel_id"`
			MessageID string `json:"message_id"`
			Data      struct {
				Type string `json:"type"`
				Data struct {
					ID      string `json:"id"`
					TempID  string `json:"temp_id"`
					Content string `json:"content"`
					UserID  string `json:"user_id"`
				} `json:"data"`
			} `json:"data"`
			User struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"user"`
		}
		require.NoError(t, json.Unmarshal(got, &ev))
		assert.Equal(t, "c0002", ev.ChannelID)
		assert.Equal(t, msg.ID, ev.MessageID)
		assert.Equal(t, "message", ev.Data.Type)
		assert.Equal(t, msg.ID, ev.Data.Data.ID)
		assert.Equal(t, "tmp-1", ev.Data.Data.TempID)
		assert.Equal(t, "hello", ev.Data.Data.Content)
		assert.Equal(t, webui.UserID(3), ev.User.ID)
		assert.Equal(t, "User 3", ev.User.Name)
	}
	assert.Empty(t, ctlNames(outsider.sync(t)), "a non-member socket gets nothing")

	r = env.do(t, "POST", "/api/v1/channels/c0002/messages/post", ctlToken(t, 4), map[string]any{"content": "x"})
	assert.Equal(t, http.StatusForbidden, r.status, "a non-member may not post: %s", r.body)
	r = env.do(t, "POST", "/api/v1/channels/c0001/messages/post", ctlToken(t, "nochan01"), map[string]any{"content": "x"})
	assert.Equal(t, http.StatusForbidden, r.status, "a user without features.channels may not post: %s", r.body)
	r = env.do(t, "POST", "/api/v1/channels/c0002/messages/post", ctlToken(t, 1), map[string]any{"content": "from admin"})
	assert.Equal(t, http.StatusOK, r.status, "an admin may post: %s", r.body)
}

// CHAN-4: a removed member, and every member of a deleted channel, stop
// receiving its events.
func TestControlChannelRemoval(t *testing.T) {
	t.Parallel()
	env := newCtlEnv(t, refserver.Config{})
	stays, goes := env.connect(t, 3), env.connect(t, 5)

	r := env.admin(t, "POST", "/api/v1/channels/c0002/update/members/remove",
		map[string]any{"user_ids": []string{webui.UserID(5), webui.UserID(4)}})
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	assert.JSONEq(t, "1", string(r.body), "one member removed (u000004 was not one)")
	assert.Equal(t, "1", r.header.Get(webui.SocketsHeader), "one socket left the room")

	r = env.do(t, "POST", "/api/v1/channels/c0002/messages/post", ctlToken(t, 3), map[string]any{"content": "after"})
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	stays.event(t, "events:channel")
	assert.Empty(t, ctlNames(goes.sync(t)), "the removed member gets nothing, even after user-join")
	r = env.do(t, "POST", "/api/v1/channels/c0002/messages/post", ctlToken(t, 5), map[string]any{"content": "x"})
	assert.Equal(t, http.StatusForbidden, r.status, "a removed member may not post")

	// Removing from the all-users channel works the same way.
	r = env.admin(t, "POST", "/api/v1/channels/c0001/update/members/remove", map[string]any{"user_ids": []string{webui.UserID(3)}})
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	r = env.do(t, "POST", "/api/v1/channels/c0001/messages/post", ctlToken(t, 5), map[string]any{"content": "all"})
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	goes.event(t, "events:channel")
	assert.Empty(t, ctlNames(stays.sync(t)))

	env.connect(t, 2)
	hub := env.srv.SocketIO().Hub()
	require.Equal(t, 1, hub.Size("/", "channel:c0003"))
	r = env.admin(t, "DELETE", "/api/v1/channels/c0003/delete", nil)
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	assert.JSONEq(t, "true", string(r.body))
	assert.Equal(t, "1", r.header.Get(webui.SocketsHeader))
	assert.Zero(t, hub.Size("/", "channel:c0003"), "every socket left the deleted channel's room")
	r = env.admin(t, "POST", "/api/v1/channels/c0003/messages/post", map[string]any{"content": "x"})
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, http.StatusNotFound, env.admin(t, "DELETE", "/api/v1/channels/c0003/delete", nil).status)
}

// CHAN-5: a note update is saved and sent as `events:note` to note:{id}.
func TestControlNoteUpdate(t *testing.T) {
	t.Parallel()
	env := newCtlEnv(t, refserver.Config{})
	reader := env.connect(t, 2)
	reader.emit(t, false, "join-note", map[string]any{"auth": map[string]string{"token": reader.token}, "note_id": "n0001"})
	reader.sync(t)

	r := env.do(t, "POST", "/api/v1/notes/n0001/update", ctlToken(t, 3), map[string]any{
		"title": "Plan", "data": map[string]any{"content": map[string]string{"md": "# hi"}},
	})
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	assert.Equal(t, "1", r.header.Get(webui.SocketsHeader))
	_, got := reader.event(t, "events:note")
	var note struct {
		ID     string          `json:"id"`
		UserID string          `json:"user_id"`
		Title  string          `json:"title"`
		Data   json.RawMessage `json:"data"`
	}
	require.NoError(t, json.Unmarshal(got, &note))
	assert.Equal(t, "n0001", note.ID)
	assert.Equal(t, webui.UserID(1), note.UserID, "the owner")
	assert.Equal(t, "Plan", note.Title)
	assert.JSONEq(t, `{"content":{"md":"# hi"}}`, string(note.Data))
	assert.JSONEq(t, string(got), string(r.body), "the answer is the note")
	saved, saves, ok := env.srv.App().Population().NoteContent("n0001")
	require.True(t, ok)
	assert.JSONEq(t, `{"content":{"md":"# hi"}}`, string(saved))
	assert.Equal(t, 1, saves)

	r = env.do(t, "POST", "/api/v1/notes/n0002/update", ctlToken(t, 3), map[string]any{"title": "x"})
	assert.Equal(t, http.StatusForbidden, r.status, "n0002 is writable by its owner only: %s", r.body)
	r = env.do(t, "POST", "/api/v1/notes/n0002/update", ctlToken(t, 1), map[string]any{"title": "x"})
	assert.Equal(t, http.StatusOK, r.status, "the owner writes n0002: %s", r.body)
}
