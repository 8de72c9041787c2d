package app

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/token"
)

// badToken is one way a token fails AUTH-1.
type badToken struct {
	name   string
	clause string // the part of AUTH-1 it breaks
	secret bool   // forging it needs the target's secret
	// make returns the token for subject; it may act on the server first
	// (revocations) and so may skip the case.
	make func(t *check.T, subject string) string
}

// claims are valid open-webui claims for user, issued now.
func claims(user string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{"id": user, "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "jti": newID("jti")}
}

func signed(t *check.T, method jwt.SigningMethod, key any, c jwt.MapClaims) string {
	s, err := jwt.NewWithClaims(method, c).SignedString(key)
	if err != nil {
		t.Failf("a forged token", "signing failed: %v", err)
	}
	return s
}

// badTokens are AUTH-1's refusals, one case each.
var badTokens = []badToken{
	{name: "bad-signature", clause: "the signature must verify with the server's secret", make: func(_ *check.T, sub string) string {
		var key [32]byte
		rand.Read(key[:])
		tok, _ := token.Mint([]byte(hex.EncodeToString(key[:])), sub, time.Hour, time.Now()) // HMAC with a []byte key cannot fail
		return tok
	}},
	{name: "alg-none", clause: "alg none is rejected", make: func(_ *check.T, sub string) string {
		enc := base64.RawURLEncoding
		head, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT"})
		body, _ := json.Marshal(claims(sub))
		return enc.EncodeToString(head) + "." + enc.EncodeToString(body) + "."
	}},
	{name: "hs512", clause: "HS512 is rejected, even with the right secret", secret: true, make: func(t *check.T, sub string) string {
		return signed(t, jwt.SigningMethodHS512, t.Target.Secret, claims(sub))
	}},
	{name: "rs256", clause: "RS256 is rejected", make: func(t *check.T, sub string) string {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Failf("an RSA key", "%v", err)
		}
		return signed(t, jwt.SigningMethodRS256, key, claims(sub))
	}},
	{name: "expired", clause: "exp must be in the future", secret: true, make: func(t *check.T, sub string) string {
		tok, _ := token.Mint(t.Target.Secret, sub, time.Hour, time.Now().Add(-2*time.Hour)) // issued 2 h ago, expired 1 h ago
		return tok
	}},
	{name: "unknown-user", clause: "claim id must name an existing user", secret: true, make: func(t *check.T, _ string) string {
		return t.Target.Token(newID("nobody"), time.Hour)
	}},
	{name: "pending-role", clause: "a user whose role is pending is refused", secret: true, make: func(t *check.T, _ string) string {
		return t.Target.Token("pending01", time.Hour)
	}},
	{name: "revoked-jti", clause: "a revoked jti is refused (AUTH-6)", secret: true, make: func(t *check.T, sub string) string {
		needControl(t)
		tok := t.Target.Token(sub, time.Hour)
		admin(t, http.MethodPost, "/api/control/tokens/revoke", map[string]string{"token": tok})
		return tok
	}},
	{name: "revoked-user", clause: "a token with iat at or before the user's revoked_at is refused (AUTH-6); the user is " + chkRevokedUser + ", reserved", secret: true, make: func(t *check.T, _ string) string {
		mutates(t, mRevokedUser)
		needControl(t)
		tok := t.Target.Token(chkRevokedUser, time.Hour)
		admin(t, http.MethodPost, "/api/control/users/"+chkRevokedUser+"/revoke", nil)
		return tok
	}},
	{name: "sk-key", clause: "an sk-… API key is not a socket token", make: func(*check.T, string) string {
		return newID("sk")[len("stampede-"):] // "sk-…"
	}},
	{name: "missing", clause: "a token is required", make: func(*check.T, string) string { return "" }},
	{name: "malformed", clause: "a token must be a JWT", make: func(*check.T, string) string { return "not-a-jwt" }},
	{name: "exp-string", clause: "exp must be a JSON number: a string is a malformed token", secret: true,
		make: timeClaim("exp", func(now time.Time) any { return strconv.FormatInt(now.Add(time.Hour).Unix(), 10) })},
	{name: "iat-string", clause: "iat must be a JSON number: a string is a malformed token", secret: true,
		make: timeClaim("iat", func(now time.Time) any { return strconv.FormatInt(now.Unix(), 10) })},
	{name: "nbf-string", clause: "nbf must be a JSON number: a string is a malformed token", secret: true,
		make: timeClaim("nbf", func(now time.Time) any { return strconv.FormatInt(now.Add(-time.Minute).Unix(), 10) })},
	{name: "exp-out-of-range", clause: "exp 1e300 names no time (a malformed NumericDate), so it cannot make a token that never expires", secret: true,
		make: timeClaim("exp", func(time.Time) any { return 1e300 })},
	{name: "iat-future", clause: "iat more than 60 s in the future is refused: such a token would outlive a user-wide revocation (AUTH-6)", secret: true,
		make: timeClaim("iat", func(now time.Time) any { return now.Add(time.Hour).Unix() })},
}

// timeClaim makes a token signed with the target's secret whose claim name
// has the value at gives.
func timeClaim(name string, at func(now time.Time) any) func(*check.T, string) string {
	return func(t *check.T, sub string) string {
		c := claims(sub)
		c[name] = at(time.Now())
		return signed(t, jwt.SigningMethodHS256, t.Target.Secret, c)
	}
}

// authPayload is the CONNECT auth object for token; none at all when the
// token is missing.
func authPayload(token string) any {
	if token == "" {
		return nil
	}
	return map[string]string{"token": token}
}
