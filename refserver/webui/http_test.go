package webui_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/token"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// SESS-1, CLIENT-1, CLIENT-2: GET /api/config serves enable_websocket and
// the heartbeat interval in seconds, clamped 5–90.
func TestHTTPConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		cfg        refserver.Config
		wantWS     bool
		wantBeatSs float64
	}{
		{"defaults", refserver.Config{}, true, 30},
		{"polling", refserver.Config{Transports: []string{"polling"}, HeartbeatInterval: 45 * time.Second}, false, 45},
		{"clamped low", refserver.Config{HeartbeatInterval: time.Second}, true, 5},
		{"clamped high", refserver.Config{HeartbeatInterval: time.Hour}, true, 90},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := newCtlEnv(t, tt.cfg)
			r := env.do(t, "GET", "/api/config", "", nil)
			require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
			assert.Equal(t, "application/json", r.header.Get("Content-Type"))
			var got struct {
				Name     string `json:"name"`
				Version  string `json:"version"`
				Features struct {
					EnableWebsocket   *bool    `json:"enable_websocket"`
					HeartbeatInterval *float64 `json:"websocket_heartbeat_interval"`
				} `json:"features"`
			}
			r.json(t, &got)
			require.NotNil(t, got.Features.EnableWebsocket, "body %s", r.body)
			require.NotNil(t, got.Features.HeartbeatInterval, "body %s", r.body)
			assert.Equal(t, tt.wantWS, *got.Features.EnableWebsocket)
			assert.Equal(t, tt.wantBeatSs, *got.Features.HeartbeatInterval)
			assert.Equal(t, "stampede refserver", got.Name)
			assert.Equal(t, "dev", got.Version)
		})
	}
}

// GET /api/version: the configured version (default "dev") and one
// deployment id per server.
func TestHTTPVersion(t *testing.T) {
	t.Parallel()
	var got [2]struct {
		Version      string `json:"version"`
		DeploymentID string `json:"deployment_id"`
	}
	env := newCtlEnv(t, refserver.Config{Version: "1.2.3"})
	for i := range got {
		r := env.do(t, "GET", "/api/version", "", nil)
		require.Equal(t, http.StatusOK, r.status)
		r.json(t, &got[i])
	}
	assert.Equal(t, "1.2.3", got[0].Version)
	assert.NotEmpty(t, got[0].DeploymentID)
	assert.Equal(t, got[0].DeploymentID, got[1].DeploymentID, "deployment id is stable")

	other := newCtlEnv(t, refserver.Config{})
	var dev struct {
		Version      string `json:"version"`
		DeploymentID string `json:"deployment_id"`
	}
	other.do(t, "GET", "/api/version", "", nil).json(t, &dev)
	assert.Equal(t, "dev", dev.Version)
	assert.NotEqual(t, got[0].DeploymentID, dev.DeploymentID, "each server has its own deployment id")
}

// CHAT-4: GET /api/usage needs a verified user (as upstream) and counts the
// distinct users with a session and the models marked by `usage`.
func TestHTTPUsage(t *testing.T) {
	t.Parallel()
	env := newCtlEnv(t, refserver.Config{})
	r := env.do(t, "GET", "/api/usage", "", nil)
	require.Equal(t, http.StatusUnauthorized, r.status)
	assert.NotEmpty(t, r.detail(t))

	type usage struct {
		ModelIDs  []string `json:"model_ids"`
		UserCount int      `json:"user_count"`
	}
	var got usage
	r = env.do(t, "GET", "/api/usage", ctlToken(t, 2), nil)
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	r.json(t, &got)
	assert.Equal(t, usage{ModelIDs: []string{}, UserCount: 0}, got)

	a := env.connect(t, 2)
	env.connect(t, 2)
	env.connect(t, 3)
	a.emit(t, false, "usage", map[string]string{"model": "llama3", "action": "generate", "chat_id": "c1"})
	a.sync(t) // handled in order: the usage is recorded
	env.do(t, "GET", "/api/usage", ctlToken(t, 3), nil).json(t, &got)
	assert.Equal(t, usage{ModelIDs: []string{"llama3"}, UserCount: 2}, got)
}

// Every protected endpoint: no token or a bad one → 401, a non-admin → 403
// on admin routes, always with {"detail"}.
func TestHTTPAuthErrors(t *testing.T) {
	t.Parallel()
	env := newCtlEnv(t, refserver.Config{})
	admin := []struct{ method, path string }{
		{"POST", "/api/control/events"},
		{"POST", "/api/control/stream"},
		{"DELETE", "/api/control/stream/x"},
		{"POST", "/api/control/call"},
		{"POST", "/api/control/tokens/revoke"},
		{"POST", "/api/control/users/u000002/revoke"},
		{"GET", "/api/control/users/u000002"},
		{"GET", "/api/control/documents/note:n0001"},
		{"GET", "/api/control/sessions"},
		{"POST", "/api/control/drop"},
		{"POST", "/api/v1/users/u000002/update"},
		{"DELETE", "/api/v1/users/u000002"},
		{"POST", "/api/v1/channels/c0002/update/members/remove"},
		{"DELETE", "/api/v1/channels/c0002/delete"},
	}
	verified := []struct{ method, path string }{
		{"GET", "/api/usage"},
		{"POST", "/api/v1/channels/c0002/messages/post"},
		{"POST", "/api/v1/notes/n0001/update"},
	}
	expired, err := token.Mint(ctlSecret, webui.UserID(1), time.Hour, time.Now().Add(-2*time.Hour))
	require.NoError(t, err)
	forged, err := token.Mint([]byte("other"), webui.UserID(1), time.Hour, time.Now())
	require.NoError(t, err)
	bad := map[string]string{
		"none": "", "garbage": "not-a-jwt", "expired": expired, "forged": forged,
		"pending": ctlToken(t, "pending01"), "api key": "sk-123",
	}
	for _, ep := range append(admin, verified...) {
		for name, tok := range bad {
			r := env.do(t, ep.method, ep.path, tok, `{}`)
			assert.Equal(t, http.StatusUnauthorized, r.status, "%s %s with %s token: %s", ep.method, ep.path, name, r.body)
			assert.NotEmpty(t, r.detail(t), "%s %s", ep.method, ep.path)
			assert.Equal(t, "Bearer", r.header.Get("WWW-Authenticate"))
		}
	}
	for _, ep := range admin {
		r := env.do(t, ep.method, ep.path, ctlToken(t, 2), `{}`)
		assert.Equal(t, http.StatusForbidden, r.status, "%s %s as a user: %s", ep.method, ep.path, r.body)
		assert.Contains(t, r.detail(t), "admin only")
	}
}

// A body that is not one JSON value, or not UTF-8 (LIM-3: it would be
// relayed to sockets), → 400 with a detail naming the problem.
func TestHTTPBadJSON(t *testing.T) {
	t.Parallel()
	env := newCtlEnv(t, refserver.Config{})
	paths := []string{
		"/api/control/events", "/api/control/stream", "/api/control/call", "/api/control/tokens/revoke",
		"/api/control/drop", "/api/v1/users/u000002/update", "/api/v1/channels/c0002/update/members/remove",
		"/api/v1/channels/c0002/messages/post", "/api/v1/notes/n0001/update",
	}
	for _, p := range paths {
		for _, body := range []string{"", "{", `{"user_id":"u000002"} {}`, `[`, "{\"content\":\"\xff\xfe\"}"} {
			r := env.admin(t, "POST", p, body)
			assert.Equal(t, http.StatusBadRequest, r.status, "POST %s %q: %s", p, body, r.body)
			assert.Contains(t, r.detail(t), "invalid JSON body", "POST %s %q", p, body)
		}
	}
}

// Unknown users, channels, notes and streams → 404; missing or bad fields
// → 422.
func TestHTTPUnknownAndInvalid(t *testing.T) {
	t.Parallel()
	env := newCtlEnv(t, refserver.Config{})
	tests := []struct {
		method, path string
		body         any
		want         int
	}{
		{"POST", "/api/control/events", `{"user_id":"nobody","data":{"type":"status"}}`, 404},
		{"POST", "/api/control/stream", `{"user_id":"nobody"}`, 404},
		{"POST", "/api/control/call", `{"user_id":"nobody","sid":"x"}`, 404},
		{"POST", "/api/control/users/nobody/revoke", nil, 404},
		{"GET", "/api/control/users/nobody", nil, 404},
		{"DELETE", "/api/control/stream/nope", nil, 404},
		{"POST", "/api/v1/users/nobody/update", `{"role":"user"}`, 404},
		{"DELETE", "/api/v1/users/nobody", nil, 404},
		{"POST", "/api/v1/channels/c9999/messages/post", `{"content":"x"}`, 404},
		{"POST", "/api/v1/channels/c9999/update/members/remove", `{"user_ids":[]}`, 404},
		{"DELETE", "/api/v1/channels/c9999/delete", nil, 404},
		{"POST", "/api/v1/notes/n9999/update", `{"title":"x"}`, 404},

		{"POST", "/api/control/events", `{"data":{"type":"status"}}`, 422},
		{"POST", "/api/control/events", `{"user_id":"u000002"}`, 422},
		{"POST", "/api/control/events", `{"user_id":"u000002","data":{"data":1}}`, 422},
		{"POST", "/api/control/call", `{"user_id":"u000002"}`, 422},
		{"POST", "/api/control/call", `{"user_id":"u000002","sid":"x","timeout":"soon"}`, 400},
		{"POST", "/api/control/call", `{"user_id":"u000002","sid":"x","timeout":-1}`, 422},
		{"POST", "/api/control/stream", `{"user_id":"u000002","deltas":-1}`, 422},
		{"POST", "/api/control/stream", `{"user_id":"u000002","interval":"-1s"}`, 422},
		{"POST", "/api/control/stream", `{"user_id":"u000002","format":"xml"}`, 422},
		{"POST", "/api/control/tokens/revoke", `{}`, 422},
		{"POST", "/api/control/tokens/revoke", `{"token":"not-a-jwt"}`, 422},
		{"POST", "/api/control/drop", `{"mode":"explode"}`, 422},
		{"POST", "/api/v1/users/u000002/update", `{"role":"owner"}`, 422},
		{"POST", "/api/v1/users/u000001/update", `{"role":"user"}`, 403},
		{"DELETE", "/api/v1/users/u000001", nil, 403},
		{"POST", "/api/v1/channels/c0002/messages/post", `{"data":{}}`, 422},
	}
	for _, tt := range tests {
		r := env.admin(t, tt.method, tt.path, tt.body)
		assert.Equal(t, tt.want, r.status, "%s %s %v: %s", tt.method, tt.path, tt.body, r.body)
		assert.NotEmpty(t, r.detail(t), "%s %s", tt.method, tt.path)
	}
}
