package webui

import (
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Acts on users and tokens (AUTH-6). Each socket remembers the jti of the
// token that set its session (socketState), so revoking one token
// disconnects the sockets it opened; revoking, demoting or deleting a user
// disconnects every socket in user:{id}.

// signedClaims returns the claims of a token whose signature verifies,
// expired or not: an expired token may still be revoked.
func (c *control) signedClaims(token string) (*Claims, error) {
	var claims Claims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return c.app.cfg.Secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithoutClaimsValidation())
	if err != nil {
		return nil, err
	}
	return &claims, nil
}

// revokeToken is POST /api/control/tokens/revoke {token} or {jti, user_id?}:
// the token's jti is revoked and its user's sockets get `41`. A bare jti
// names no user, so nobody is disconnected unless user_id is given.
func (c *control) revokeToken(r *http.Request, _ User) (answer, error) {
	var req struct {
		Token  string `json:"token"`
		JTI    string `json:"jti"`
		UserID string `json:"user_id"`
	}
	if err := decodeBody(r, &req); err != nil {
		return answer{}, err
	}
	jti, userID := req.JTI, req.UserID
	switch {
	case req.Token != "":
		claims, err := c.signedClaims(req.Token)
		if err != nil {
			return answer{}, errorf(http.StatusUnprocessableEntity, "token: %v", err)
		}
		jti, userID = claims.RegisteredClaims.ID, claims.ID
		if jti == "" {
			return answer{}, errorf(http.StatusUnprocessableEntity, "the token has no jti: revoke its user instead")
		}
	case jti == "":
		return answer{}, errorf(http.StatusUnprocessableEntity, "token or jti is required")
	}
	if err := c.app.revoked.RevokeToken(jti); err != nil {
		return answer{}, errorf(http.StatusServiceUnavailable, "revocation store: %v", err)
	}
	n := c.disconnectToken(jti)
	return jsonOK(map[string]any{"jti": jti, "user_id": userID, "disconnected": n}), nil
}

// revokeUser is POST /api/control/users/{id}/revoke: every token of the
// user issued up to now is revoked, and the user's sockets get `41`.
func (c *control) revokeUser(r *http.Request, _ User) (answer, error) {
	u, err := c.knownUser(r.PathValue("id"))
	if err != nil {
		return answer{}, err
	}
	at := time.Now().Unix()
	if err := c.app.revoked.RevokeUser(u.ID, at); err != nil {
		return answer{}, errorf(http.StatusServiceUnavailable, "revocation store: %v", err)
	}
	n := c.disconnectUser(u.ID)
	return jsonOK(map[string]any{"user_id": u.ID, "revoked_at": at, "disconnected": n}), nil
}

// signout is open-webui's GET /api/v1/auths/signout: the caller's token
// (bearer or cookie) is revoked and the sockets it opened get `41`; it
// answers {"status":true}. A missing or invalid token, an already revoked
// one included, is refused with 401 like on every verified route (AUTH-1).
func (c *control) signout(r *http.Request) (answer, error) {
	_, claims, err := c.authenticate(r)
	if err != nil {
		return answer{}, err
	}
	resp := jsonOK(map[string]bool{"status": true})
	if claims.RegisteredClaims.ID == "" {
		return resp, nil
	}
	if err := c.app.revoked.RevokeToken(claims.RegisteredClaims.ID); err != nil {
		return answer{}, errorf(http.StatusServiceUnavailable, "revocation store: %v", err)
	}
	resp.sockets = c.disconnectToken(claims.RegisteredClaims.ID)
	return resp, nil
}

// publicUser is the user as the users routes answer it: no private fields.
func publicUser(u User) map[string]any {
	return map[string]any{"id": u.ID, "name": u.Name, "email": u.Email, "role": u.Role, "last_active_at": u.LastActiveAt}
}

// updateUser is open-webui's POST /api/v1/users/{id}/update (admin). Only
// role is applied; the other fields of open-webui's form are accepted and
// ignored. Changing the role to pending disconnects the user's sockets
// (AUTH-6).
func (c *control) updateUser(r *http.Request, caller User) (answer, error) {
	var req struct {
		Role *Role `json:"role"`
	}
	if err := decodeBody(r, &req); err != nil {
		return answer{}, err
	}
	u, err := c.knownUser(r.PathValue("id"))
	if err != nil {
		return answer{}, err
	}
	resp := jsonOK(nil)
	if req.Role != nil {
		switch role := *req.Role; {
		case role != RoleAdmin && role != RoleUser && role != RolePending:
			return answer{}, errorf(http.StatusUnprocessableEntity, "role must be admin, user or pending, not %q", role)
		case u.ID == caller.ID && role != RoleAdmin:
			return answer{}, errorf(http.StatusForbidden, "an admin cannot change their own role")
		}
		resp.sockets = c.app.change(popChange{Op: "role", User: u.ID, Role: *req.Role})
		if *req.Role == RolePending {
			resp.sockets += c.disconnectUser(u.ID) // sids of the pool on other instances
		}
		u.Role = *req.Role
	}
	resp.body = publicUser(u)
	return resp, nil
}

// deleteUser is open-webui's DELETE /api/v1/users/{id} (admin): the user is
// removed and their sockets get `41` (AUTH-6). Answers true.
func (c *control) deleteUser(r *http.Request, caller User) (answer, error) {
	u, err := c.knownUser(r.PathValue("id"))
	if err != nil {
		return answer{}, err
	}
	if u.ID == caller.ID {
		return answer{}, errorf(http.StatusForbidden, "an admin cannot delete themselves")
	}
	resp := jsonOK(true)
	resp.sockets = c.app.change(popChange{Op: "delete-user", User: u.ID})
	resp.sockets += c.disconnectUser(u.ID) // sids of the pool on other instances
	return resp, nil
}
