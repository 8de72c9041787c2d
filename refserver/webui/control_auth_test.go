package webui_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// AUTH-6: revoking a user disconnects their sockets with `41`, and the old
// token is refused at CONNECT (profile documented: CONNECT_ERROR).
func TestControlRevokeUser(t *testing.T) {
	t.Parallel()
	env := newCtlEnv(t, refserver.Config{})
	old := ctlToken(t, 2)
	tab1, tab2, other := env.dial(t), env.dial(t), env.connect(t, 3)
	tab1.connect(t, old)
	tab2.connect(t, old)

	r := env.admin(t, "POST", "/api/control/users/"+webui.UserID(2)+"/revoke", nil)
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	var res struct {
		UserID       string `json:"user_id"`
		RevokedAt    int64  `json:"revoked_at"`
		Disconnected int    `json:"disconnected"`
	}
	r.json(t, &res)
	assert.Equal(t, webui.UserID(2), res.UserID)
	assert.Equal(t, 2, res.Disconnected)
	tab1.disconnected(t)
	tab2.disconnected(t)
	assert.Contains(t, env.dial(t).refused(t, old), "revoked")
	assert.Empty(t, ctlNames(other.sync(t)), "other users stay")
}

// AUTH-6 for one token: its jti is refused afterwards, another token of the
// same user is not; the sockets that token opened get `41`, a tab of the
// same user opened with another token stays.
func TestControlRevokeToken(t *testing.T) {
	t.Parallel()
	env := newCtlEnv(t, refserver.Config{})
	revoked, kept := ctlToken(t, 3), ctlToken(t, 3)
	c := env.dial(t)
	c.connect(t, revoked)
	otherTab := env.dial(t)
	otherTab.connect(t, kept)

	r := env.admin(t, "POST", "/api/control/tokens/revoke", map[string]string{"token": revoked})
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	var res struct {
		JTI          string `json:"jti"`
		UserID       string `json:"user_id"`
		Disconnected int    `json:"disconnected"`
	}
	r.json(t, &res)
	assert.NotEmpty(t, res.JTI)
	assert.Equal(t, webui.UserID(3), res.UserID)
	assert.Equal(t, 1, res.Disconnected)
	c.disconnected(t)
	assert.Empty(t, otherTab.sync(t), "the tab opened with another token gets nothing")
	assert.Contains(t, env.dial(t).refused(t, revoked), "revoked")
	env.dial(t).connect(t, kept)

	// By jti alone: revoked, nobody named to disconnect.
	third := ctlToken(t, 4)
	claims := struct {
		JTI string `json:"jti"`
	}{}
	require.NoError(t, json.Unmarshal(ctlJWTPayload(t, third), &claims))
	r = env.admin(t, "POST", "/api/control/tokens/revoke", map[string]string{"jti": claims.JTI})
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	assert.Contains(t, env.dial(t).refused(t, third), "revoked")

	// Signout (open-webui's route) revokes the caller's own token.
	mine := ctlToken(t, 5)
	s := env.dial(t)
	s.connect(t, mine)
	r = env.do(t, "GET", "/api/v1/auths/signout", mine, nil)
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	assert.JSONEq(t, `{"status":true}`, string(r.body))
	s.disconnected(t)
	assert.Contains(t, env.dial(t).refused(t, mine), "revoked")
}

// AUTH-1 at signout: a missing, forged or already revoked token is refused
// with 401 like on every verified route, not answered {"status":true}.
func TestSignoutRefusesInvalidTokens(t *testing.T) {
	t.Parallel()
	env := newCtlEnv(t, refserver.Config{})
	revoked := ctlToken(t, 6)
	r := env.do(t, "GET", "/api/v1/auths/signout", revoked, nil)
	require.Equal(t, http.StatusOK, r.status, "first signout, body %s", r.body)
	forged := ctlToken(t, 6)
	tests := []struct{ name, token string }{
		{"missing", ""},
		{"already revoked", revoked},
		{"forged", forged[:strings.LastIndex(forged, ".")+1] + "AAAA"},
	}
	for _, tc := range tests {
		r := env.do(t, "GET", "/api/v1/auths/signout", tc.token, nil)
		assert.Equal(t, http.StatusUnauthorized, r.status, "%s: body %s", tc.name, r.body)
		assert.Contains(t, string(r.body), "detail", tc.name)
	}
}

// ctlJWTPayload decodes the claims segment of a token.
func ctlJWTPayload(t *testing.T, tok string) []byte {
	t.Helper()
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3)
	data, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	return data
}

// AUTH-6: a role change to pending and a deleted user disconnect the
// user's sockets; their tokens are refused afterwards.
func TestControlRoleAndDelete(t *testing.T) {
	t.Parallel()
	env := newCtlEnv(t, refserver.Config{})
	pendingTok, deletedTok := ctlToken(t, 2), ctlToken(t, 3)
	p, d := env.dial(t), env.dial(t)
	p.connect(t, pendingTok)
	d.connect(t, deletedTok)

	r := env.admin(t, "POST", "/api/v1/users/"+webui.UserID(2)+"/update", map[string]any{"role": "pending", "name": "ignored"})
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	assert.Equal(t, "1", r.header.Get(webui.SocketsHeader))
	var u struct {
		ID   string `json:"id"`
		Role string `json:"role"`
	}
	r.json(t, &u)
	assert.Equal(t, "pending", u.Role)
	p.disconnected(t)
	assert.Contains(t, env.dial(t).refused(t, pendingTok), "pending")

	r = env.admin(t, "POST", "/api/v1/users/"+webui.UserID(2)+"/update", map[string]any{"role": "user"})
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	env.dial(t).connect(t, pendingTok) // back to user: the token works again

	r = env.admin(t, "DELETE", "/api/v1/users/"+webui.UserID(3), nil)
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	assert.JSONEq(t, "true", string(r.body))
	d.disconnected(t)
	assert.Contains(t, env.dial(t).refused(t, deletedTok), "unknown user")
	assert.Equal(t, http.StatusNotFound, env.admin(t, "GET", "/api/control/users/"+webui.UserID(3), nil).status)
}
