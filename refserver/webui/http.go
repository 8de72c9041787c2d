package webui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Routes mounts the HTTP endpoints of PROTOCOL.md section 11 and the
// control API on mux. Call it once per App, after Attach.
//
// Errors have open-webui's shape, {"detail":"…"}: 400 for a body that is
// not JSON, 422 for a well-formed body that lacks a field or has a bad
// value, 401 for a missing or invalid bearer token, 403 for a user without
// the right, 404 for an unknown user, channel or note.
func (a *App) Routes(mux *http.ServeMux) {
	c := &control{app: a, version: a.cfg.Version, deploymentID: a.cfg.DeploymentID, streams: a.streamSet()}
	if c.version == "" {
		c.version = "dev"
	}
	if c.deploymentID == "" {
		c.deploymentID = newJTI()
	}
	// Client endpoints (section 11, CLIENT-1, SESS-1, CHAT-4).
	mux.Handle("GET /api/config", serveJSON(c.config))
	mux.Handle("GET /api/version", serveJSON(c.versionInfo))
	mux.Handle("GET /api/usage", serveJSON(c.verified(c.usageInfo)))

	// open-webui's own routes for the same acts.
	mux.Handle("GET /api/v1/auths/signout", serveJSON(c.signout))
	mux.Handle("POST /api/v1/users/{id}/update", serveJSON(c.admin(c.updateUser)))
	mux.Handle("DELETE /api/v1/users/{id}", serveJSON(c.admin(c.deleteUser)))
	mux.Handle("POST /api/v1/channels/{id}/messages/post", serveJSON(c.verified(c.postMessage)))
	mux.Handle("POST /api/v1/channels/{id}/update/members/remove", serveJSON(c.admin(c.removeMembers)))
	mux.Handle("DELETE /api/v1/channels/{id}/delete", serveJSON(c.admin(c.deleteChannel)))
	mux.Handle("POST /api/v1/notes/{id}/update", serveJSON(c.verified(c.updateNote)))

	// The control API proper: what open-webui does from background work.
	mux.Handle("POST /api/control/events", serveJSON(c.admin(c.events)))
	mux.Handle("POST /api/control/stream", serveJSON(c.admin(c.stream)))
	mux.Handle("DELETE /api/control/stream/{id}", serveJSON(c.admin(c.stopStream)))
	mux.Handle("POST /api/control/call", serveJSON(c.admin(c.call)))
	mux.Handle("POST /api/control/tokens/revoke", serveJSON(c.admin(c.revokeToken)))
	mux.Handle("POST /api/control/users/{id}/revoke", serveJSON(c.admin(c.revokeUser)))
	mux.Handle("GET /api/control/users/{id}", serveJSON(c.admin(c.userInfo)))
	mux.Handle("GET /api/control/documents/{id}", serveJSON(c.admin(c.document)))
	mux.Handle("GET /api/control/sessions", serveJSON(c.admin(c.sessionPool)))
	mux.Handle("POST /api/control/drop", serveJSON(c.admin(c.drop)))
	mux.Handle("POST /api/control/reset-reserved", serveJSON(c.admin(c.resetReserved)))
}

// SocketsHeader carries, on control responses whose body keeps open-webui's
// shape, the number of sockets the act reached (delivered, disconnected or
// moved out of a room).
const SocketsHeader = "X-Stampede-Sockets"

// maxBody bounds a request body.
const maxBody = 1 << 20

// answer is what an endpoint answers: a status, a JSON body, and headers.
type answer struct {
	status  int
	body    any
	sockets int // sent as SocketsHeader when >= 0
}

func jsonOK(body any) answer { return answer{status: http.StatusOK, body: body, sockets: -1} }

// endpoint handles one request; a non-nil error becomes {"detail":…}.
type endpoint func(r *http.Request) (answer, error)

// apiError is an HTTP error with open-webui's body {"detail": …}.
type apiError struct {
	status int
	detail string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.status, e.detail) }

// errorf returns an apiError.
func errorf(status int, format string, args ...any) error {
	return &apiError{status: status, detail: fmt.Sprintf(format, args...)}
}

// serveJSON adapts an endpoint to net/http: its answer or its error as JSON.
func serveJSON(fn endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		resp, err := fn(r)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) {
				ae = &apiError{status: http.StatusInternalServerError, detail: err.Error()}
			}
			if ae.status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", "Bearer")
			}
			writeJSON(w, ae.status, map[string]string{"detail": ae.detail})
			return
		}
		if resp.sockets >= 0 {
			w.Header().Set(SocketsHeader, strconv.Itoa(resp.sockets))
		}
		writeJSON(w, resp.status, resp.body)
	})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	data, err := json.Marshal(body)
	if err != nil {
		status, data = http.StatusInternalServerError, []byte(`{"detail":"failed to encode the response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(data, '\n'))
}

// decodeBody reads the JSON body into v: 400 when it is not one JSON value or
// not UTF-8, 413 when it is too large. Parts of a body (a message's data,
// an event) are relayed to sockets as they came, so a body that is not
// UTF-8 is refused here: the server never sends invalid UTF-8 (LIM-3).
func decodeBody(r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return errorf(http.StatusRequestEntityTooLarge, "request body larger than %d bytes", tooLarge.Limit)
	case err != nil:
		return errorf(http.StatusBadRequest, "reading the body: %v", err)
	case !utf8.Valid(body):
		return errorf(http.StatusBadRequest, "invalid JSON body: not valid UTF-8 (LIM-3)")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	err = dec.Decode(v)
	if err == nil && dec.Decode(&json.RawMessage{}) != io.EOF {
		err = errors.New("data after the JSON value")
	}
	switch {
	case errors.Is(err, io.EOF):
		return errorf(http.StatusBadRequest, "invalid JSON body: empty")
	case err != nil:
		return errorf(http.StatusBadRequest, "invalid JSON body: %v", err)
	}
	return nil
}

// bearer returns the request's token: the Authorization Bearer credential,
// else the cookie "token", as open-webui reads it.
func bearer(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, cred, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(cred)
		}
		return ""
	}
	if c, err := r.Cookie("token"); err == nil {
		return c.Value
	}
	return ""
}

// authenticate verifies the request's token (AUTH-1): 401 when it is
// missing or invalid.
func (c *control) authenticate(r *http.Request) (User, *Claims, error) {
	tok := bearer(r)
	if tok == "" {
		return User{}, nil, errorf(http.StatusUnauthorized, "Not authenticated: send Authorization: Bearer <token>")
	}
	u, claims, err := c.app.auth.Verify(tok)
	if err != nil {
		return User{}, nil, errorf(http.StatusUnauthorized, "%v", err)
	}
	return u, claims, nil
}

// verified admits any verified user (open-webui's get_verified_user).
func (c *control) verified(fn func(*http.Request, User) (answer, error)) endpoint {
	return func(r *http.Request) (answer, error) {
		u, _, err := c.authenticate(r)
		if err != nil {
			return answer{}, err
		}
		return fn(r, u)
	}
}

// admin admits admins only (open-webui's get_admin_user): 403 for others.
func (c *control) admin(fn func(*http.Request, User) (answer, error)) endpoint {
	return c.verified(func(r *http.Request, u User) (answer, error) {
		if u.Role != RoleAdmin {
			return answer{}, errorf(http.StatusForbidden, "admin only: user %s has role %s", u.ID, u.Role)
		}
		return fn(r, u)
	})
}

// config is GET /api/config, the part of open-webui's answer clients use
// (CLIENT-1, CLIENT-2, SESS-1).
func (c *control) config(*http.Request) (answer, error) {
	var interval any = c.app.cfg.HeartbeatInterval.Seconds()
	if c.app.cfg.Faults.WrongAPIShapes { // the fault breaks SESS-1: a string, not a number
		interval = c.app.cfg.HeartbeatInterval.String()
	}
	return jsonOK(map[string]any{
		"status":  true,
		"name":    "stampede refserver",
		"version": c.version,
		"features": map[string]any{
			"auth":                         true,
			"enable_websocket":             c.app.cfg.EnableWebsocket,
			"websocket_heartbeat_interval": interval,
		},
	}), nil
}

// versionInfo is GET /api/version.
func (c *control) versionInfo(*http.Request) (answer, error) {
	if c.app.cfg.Faults.WrongAPIShapes { // the fault: no deployment_id
		return jsonOK(map[string]string{"version": c.version}), nil
	}
	return jsonOK(map[string]string{"version": c.version, "deployment_id": c.deploymentID}), nil
}

// usageInfo is GET /api/usage (CHAT-4): the models in use and the number of
// distinct users with a session. Upstream requires a verified user.
func (c *control) usageInfo(*http.Request, User) (answer, error) {
	all, err := c.app.sessions.All()
	if err != nil {
		return answer{}, errorf(http.StatusServiceUnavailable, "session pool: %v", err)
	}
	users := make(map[string]bool, len(all))
	for _, e := range all {
		users[e.ID] = true
	}
	models, err := c.app.usage.Models()
	if err != nil {
		return answer{}, errorf(http.StatusServiceUnavailable, "usage pool: %v", err)
	}
	if c.app.cfg.Faults.WrongAPIShapes { // the fault: user_count as a string
		return jsonOK(map[string]any{"model_ids": models, "user_count": strconv.Itoa(len(users))}), nil
	}
	return jsonOK(map[string]any{"model_ids": models, "user_count": len(users)}), nil
}
