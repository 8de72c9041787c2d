package webui_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// The reserved set (CLI.md): what the destructive acts did to it is undone
// by POST /api/control/reset-reserved, revocations included; ids outside
// the set are refused.
func TestResetReserved(t *testing.T) {
	t.Parallel()
	pop := webui.Generate(webui.Sizes{Users: 10, Channels: 3, Notes: 5})
	env := newCtlEnv(t, refserver.Config{Population: pop})
	old := ctlToken(t, "chk002")
	for _, act := range []struct{ method, path string }{
		{"POST", "/api/control/users/chk002/revoke"},
		{"POST", "/api/v1/users/chk003/update"},
		{"DELETE", "/api/v1/users/chk004"},
		{"POST", "/api/v1/channels/chk-c01/update/members/remove"},
		{"DELETE", "/api/v1/channels/chk-c02/delete"},
		{"POST", "/api/v1/notes/chk-n01/update"},
	} {
		body := map[string]any{"role": "pending", "user_ids": []string{"chk005"}, "data": map[string]int{"x": 1}}
		r := env.admin(t, act.method, act.path, body)
		require.Equal(t, http.StatusOK, r.status, "%s %s: %s", act.method, act.path, r.body)
	}
	assert.Contains(t, env.dial(t).refused(t, old), "revoked")
	_, ok := pop.User("chk004")
	require.False(t, ok, "chk004 deleted")

	r := env.admin(t, "POST", "/api/control/reset-reserved", map[string]any{"users": []string{"u000004"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.status, "an id outside the set: %s", r.body)
	r = env.admin(t, "POST", "/api/control/reset-reserved", map[string]any{"users": []string{"chk004"}})
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	_, ok = pop.User("chk004")
	assert.True(t, ok, "chk004 back")
	assert.False(t, pop.IsMember("chk-c01", "chk005"), "a reset of one user leaves the channels alone")

	r = env.admin(t, "POST", "/api/control/reset-reserved", nil)
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	var got webui.Reserved
	r.json(t, &got)
	assert.Equal(t, webui.AllReserved(), got, "an empty body resets the whole set")
	u, _ := pop.User("chk003")
	assert.Equal(t, webui.RoleUser, u.Role)
	assert.True(t, pop.IsMember("chk-c01", "chk005"))
	_, ok = pop.Channel("chk-c02")
	assert.True(t, ok, "chk-c02 back")
	content, saves, _ := pop.NoteContent("chk-n01")
	assert.Empty(t, content)
	assert.Zero(t, saves)
	env.dial(t).connect(t, old) // the revocation is forgotten
}

// Generate's reserved set: users chk001 … with features.channels, members
// of every reserved channel; the notes' grants.
func TestGenerateReserved(t *testing.T) {
	t.Parallel()
	pop := webui.Generate(webui.Sizes{Users: 300, Channels: 4, Notes: 5})
	all := webui.AllReserved()
	require.Len(t, all.Users, 10)
	for _, id := range all.Users {
		u, ok := pop.User(id)
		require.True(t, ok, id)
		assert.True(t, u.CanUseChannels(), id)
		assert.Equal(t, []string{"c0001", "chk-c01", "chk-c02", "chk-c03"}, pop.ChannelsOf(id))
	}
	assert.NotContains(t, pop.ChannelsOf("u000140"), "chk-c01", "the reserved channels are the reserved users'")
	assert.True(t, pop.CanWrite("chk-n01", "u000140"))
	assert.True(t, pop.CanRead("chk-n02", "u000140"))
	assert.False(t, pop.CanWrite("chk-n02", "u000140"))
	assert.False(t, pop.CanRead("chk-n03", "u000140"))
	assert.True(t, pop.CanRead("chk-n03", webui.UserID(1)))
}
