package webui_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/token"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// sign signs claims with method and key; jwt.SigningMethodNone takes
// jwt.UnsafeAllowNoneSignatureType as its key.
func sign(t testing.TB, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, claims).SignedString(key)
	require.NoError(t, err)
	return tok
}

// claimsFor are open-webui's claims for user id: id, jti, iat now, exp in
// an hour.
func claimsFor(id string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{"id": id, "jti": "jti-" + id, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
}

// rawToken builds header.payload.signature from JSON text, for tokens no
// library would sign.
func rawToken(header, payload, sig string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc([]byte(payload)) + "." + enc([]byte(sig))
}

var (
	rsaKey = sync.OnceValue(func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	})
	ecKey = sync.OnceValue(func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})
)

// badToken is a token AUTH-1 refuses, with the reason Verify must give.
type badToken struct {
	name  string
	token string
	want  error
}

// badTokens lists one token per AUTH-1 reason that needs no revocation
// store, for a population from webui.Generate (u000002 a user, pending01
// pending) and tokens signed with secret.
func badTokens(t testing.TB, secret []byte) []badToken {
	t.Helper()
	const user = "u000002"
	valid := sign(t, jwt.SigningMethodHS256, secret, claimsFor(user))
	parts := strings.Split(valid, ".")
	otherPayload := strings.Split(sign(t, jwt.SigningMethodHS256, []byte("x"), claimsFor("u000001")), ".")[1]
	noID := claimsFor(user)
	delete(noID, "id")
	expired := claimsFor(user)
	expired["iat"], expired["exp"] = time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
	return []badToken{
		{"missing", "", webui.ErrNoToken},
		{"not a JWT", "not-a-jwt", webui.ErrMalformed},
		{"three garbage parts", "a.b.c", webui.ErrMalformed},
		{"payload not JSON", rawToken(`{"alg":"HS256","typ":"JWT"}`, `id=u000002`, "sig"), webui.ErrMalformed},
		{"id not a string", sign(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"id": 2}), webui.ErrMalformed},
		{"API key", "sk-0123456789abcdef0123456789abcdef", webui.ErrAPIKey},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claimsFor(user)), webui.ErrBadAlg},
		{"alg HS384", sign(t, jwt.SigningMethodHS384, secret, claimsFor(user)), webui.ErrBadAlg},
		{"alg HS512", sign(t, jwt.SigningMethodHS512, secret, claimsFor(user)), webui.ErrBadAlg},
		{"alg RS256", sign(t, jwt.SigningMethodRS256, rsaKey(), claimsFor(user)), webui.ErrBadAlg},
		{"alg ES256", sign(t, jwt.SigningMethodES256, ecKey(), claimsFor(user)), webui.ErrBadAlg},
		{"alg unknown", rawToken(`{"alg":"XY999","typ":"JWT"}`, `{"id":"u000002"}`, "sig"), webui.ErrBadAlg},
		{"alg absent", rawToken(`{"typ":"JWT"}`, `{"id":"u000002"}`, "sig"), webui.ErrBadAlg},
		{"wrong secret", sign(t, jwt.SigningMethodHS256, []byte("not-the-secret"), claimsFor(user)), webui.ErrBadSignature},
		{"payload swapped", parts[0] + "." + otherPayload + "." + parts[2], webui.ErrBadSignature},
		{"signature stripped", parts[0] + "." + parts[1] + ".", webui.ErrBadSignature},
		{"expired", sign(t, jwt.SigningMethodHS256, secret, expired), webui.ErrExpired},
		{"missing id", sign(t, jwt.SigningMethodHS256, secret, noID), webui.ErrUnknownUser},
		{"unknown user", sign(t, jwt.SigningMethodHS256, secret, claimsFor("u999999")), webui.ErrUnknownUser},
		{"pending user", sign(t, jwt.SigningMethodHS256, secret, claimsFor("pending01")), webui.ErrPendingUser},
	}
}

func newTestAuth(secret []byte) (*webui.Auth, *webui.MemoryRevocations) {
	rev := webui.NewMemoryRevocations()
	return webui.NewAuth(secret, webui.Generate(webui.Sizes{Users: 5, Channels: 2, Notes: 3}), rev), rev
}

// AUTH-1: every refusal reason, each an error that errors.Is its sentinel
// and ErrInvalidToken.
func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	secret := []byte("auth-secret")
	auth, _ := newTestAuth(secret)
	for _, tc := range badTokens(t, secret) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u, c, err := auth.Verify(tc.token)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want, "got %v, want %v", err, tc.want)
			assert.ErrorIs(t, err, webui.ErrInvalidToken)
			assert.Zero(t, u)
			assert.Nil(t, c)
		})
	}
}

// AUTH-1, AUTH-6: a revoked jti, and a token issued at or before its user's
// revoked_at, are refused with ErrRevoked; a token issued after is valid.
func TestVerifyRevoked(t *testing.T) {
	t.Parallel()
	secret := []byte("auth-secret")
	auth, rev := newTestAuth(secret)
	now := time.Now()

	tok, err := token.Mint(secret, "u000002", time.Hour, now)
	require.NoError(t, err)
	_, c, err := auth.Verify(tok)
	require.NoError(t, err)
	require.NotEmpty(t, c.RegisteredClaims.ID, "minted tokens carry a jti")
	require.NoError(t, rev.RevokeToken(c.RegisteredClaims.ID))
	_, _, err = auth.Verify(tok)
	assert.ErrorIs(t, err, webui.ErrRevoked)
	assert.ErrorIs(t, err, webui.ErrInvalidToken)
	other, err := token.Mint(secret, "u000002", time.Hour, now)
	require.NoError(t, err)
	_, _, err = auth.Verify(other)
	assert.NoError(t, err, "revoking one jti leaves the user's other tokens valid")

	tests := []struct {
		name      string
		iat       time.Time
		revokedAt time.Time
		want      error
	}{
		{"issued before revoked_at", now.Add(-time.Minute), now, webui.ErrRevoked},
		{"issued at revoked_at", now, now, webui.ErrRevoked},
		{"issued after revoked_at", now.Add(time.Second), now, nil},
	}
	for i, tc := range tests {
		id := webui.UserID(3 + i)
		require.NoError(t, rev.RevokeUser(id, tc.revokedAt.Unix()))
		tok, err := token.Mint(secret, id, time.Hour, tc.iat)
		require.NoError(t, err)
		_, _, err = auth.Verify(tok)
		if tc.want == nil {
			assert.NoError(t, err, tc.name)
		} else {
			assert.ErrorIs(t, err, tc.want, tc.name)
		}
	}
}

// AUTH-1: a valid token gives its user and claims; a token without exp
// (JWT_EXPIRES_IN=-1) is valid; admins pass as users do.
func TestVerifyAccepts(t *testing.T) {
	t.Parallel()
	secret := []byte("auth-secret")
	auth, _ := newTestAuth(secret)
	now := time.Now()
	tests := []struct {
		name string
		id   string
		ttl  time.Duration
		role webui.Role
	}{
		{"user", "u000002", time.Hour, webui.RoleUser},
		{"admin", "u000001", time.Hour, webui.RoleAdmin},
		{"no exp", "u000003", -1, webui.RoleUser},
		{"no features.channels", "nochan01", time.Minute, webui.RoleUser},
	}
	for _, tc := range tests {
		tok, err := token.Mint(secret, tc.id, tc.ttl, now)
		require.NoError(t, err)
		u, c, err := auth.Verify(tok)
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.id, u.ID, tc.name)
		assert.Equal(t, tc.role, u.Role, tc.name)
		assert.Equal(t, tc.id, c.ID, tc.name)
		if tc.ttl < 0 {
			assert.Nil(t, c.ExpiresAt, "%s: no exp claim", tc.name)
		}
	}

	// A hand-made exp-less token with only the id claim passes too.
	_, _, err := auth.Verify(sign(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"id": "u000002"}))
	assert.NoError(t, err, "exp-less, iat-less, jti-less token")
}

// Mint: HS256, claims id, jti (fresh each time), iat = now, exp = now+ttl,
// no exp when ttl < 0.
func TestMint(t *testing.T) {
	t.Parallel()
	secret := []byte("mint-secret")
	now := time.Unix(1_700_000_000, 0)
	tok, err := token.Mint(secret, "u000002", 90*time.Minute, now)
	require.NoError(t, err)

	var c webui.Claims
	parsed, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return secret, nil },
		jwt.WithoutClaimsValidation())
	require.NoError(t, err)
	assert.Equal(t, "HS256", parsed.Method.Alg())
	assert.Equal(t, "u000002", c.ID)
	assert.Len(t, c.RegisteredClaims.ID, 32, "jti is 16 random bytes in hex")
	require.NotNil(t, c.IssuedAt)
	assert.Equal(t, now.Unix(), c.IssuedAt.Unix())
	require.NotNil(t, c.ExpiresAt)
	assert.Equal(t, now.Add(90*time.Minute).Unix(), c.ExpiresAt.Unix())

	again, err := token.Mint(secret, "u000002", 90*time.Minute, now)
	require.NoError(t, err)
	var c2 webui.Claims
	_, err = jwt.ParseWithClaims(again, &c2, func(*jwt.Token) (any, error) { return secret, nil },
		jwt.WithoutClaimsValidation())
	require.NoError(t, err)
	assert.NotEqual(t, c.RegisteredClaims.ID, c2.RegisteredClaims.ID, "each token gets its own jti")

	forever, err := token.Mint(secret, "u000002", -1, now)
	require.NoError(t, err)
	var c3 webui.Claims
	_, err = jwt.ParseWithClaims(forever, &c3, func(*jwt.Token) (any, error) { return secret, nil })
	require.NoError(t, err)
	assert.Nil(t, c3.ExpiresAt, "ttl < 0: no exp claim")
}

// The accept-bad-tokens fault (AcceptAny): forged, expired, revoked and
// pending tokens pass as long as they name a known user; an unknown user,
// an unparseable token and an API key still fail.
func TestVerifyAcceptAny(t *testing.T) {
	t.Parallel()
	secret := []byte("auth-secret")
	auth, rev := newTestAuth(secret)
	auth.AcceptAny = true
	revoked, err := token.Mint(secret, "u000003", time.Hour, time.Now().Add(-time.Minute))
	require.NoError(t, err)
	require.NoError(t, rev.RevokeUser("u000003", time.Now().Unix()))

	for _, tc := range badTokens(t, secret) {
		_, _, err := auth.Verify(tc.token)
		switch {
		case errors.Is(tc.want, webui.ErrBadSignature), errors.Is(tc.want, webui.ErrExpired),
			errors.Is(tc.want, webui.ErrPendingUser),
			tc.name == "alg none", tc.name == "alg HS384", tc.name == "alg HS512",
			tc.name == "alg RS256", tc.name == "alg ES256":
			assert.NoError(t, err, "%s passes under the fault", tc.name)
		default:
			assert.ErrorIs(t, err, tc.want, "%s still fails under the fault", tc.name)
		}
	}
	_, _, err = auth.Verify(revoked)
	assert.NoError(t, err, "a revoked token passes under the fault")
}

// A token verified once is remembered, but expiry, the user's role and
// revocation are still checked at every use (AUTH-1, AUTH-6).
func TestVerifiedTokenCache(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		pop := webui.Generate(webui.Sizes{Users: 5, Channels: 1, Notes: 1})
		rev := webui.NewMemoryRevocations()
		a := webui.NewAuth([]byte("k"), pop, rev)
		tok, err := token.Mint([]byte("k"), "u000002", time.Hour, time.Now())
		require.NoError(t, err)
		other, err := token.Mint([]byte("k"), "u000003", time.Hour, time.Now())
		require.NoError(t, err)
		for range 2 {
			u, _, err := a.Verify(tok)
			require.NoError(t, err)
			assert.Equal(t, "u000002", u.ID)
		}
		pop.SetRole("u000002", webui.RolePending)
		_, _, err = a.Verify(tok)
		assert.ErrorIs(t, err, webui.ErrPendingUser)
		pop.SetRole("u000002", webui.RoleUser)

		_, c, err := a.Verify(other)
		require.NoError(t, err)
		require.NoError(t, rev.RevokeToken(c.RegisteredClaims.ID))
		_, _, err = a.Verify(other)
		assert.ErrorIs(t, err, webui.ErrRevoked)

		time.Sleep(time.Hour)
		_, _, err = a.Verify(tok)
		assert.ErrorIs(t, err, webui.ErrExpired)
	})
}
