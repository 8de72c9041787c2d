package webui_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/token"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// AUTH-1: exp, iat and nbf must be JSON numbers within the NumericDate
// range, and iat may be at most 60 s in the future. Under the
// accept-bad-tokens fault every one passes but a boolean exp, which even
// the library's lenient reading refuses.
func TestVerifyTimeClaims(t *testing.T) {
	t.Parallel()
	secret := []byte("auth-secret")
	auth, _ := newTestAuth(secret)
	lax, _ := newTestAuth(secret)
	lax.AcceptAny = true
	now := time.Now()
	hour := now.Add(time.Hour).Unix()
	tests := []struct {
		name   string
		claims map[string]any // merged over claimsFor(u000002)
		want   error          // nil: valid
		lax    error          // under the accept-bad-tokens fault
	}{
		{"exp a number", nil, nil, nil},
		{"exp a fraction", map[string]any{"exp": float64(hour) + 0.5}, nil, nil},
		{"exp a string", map[string]any{"exp": fmt.Sprint(hour)}, webui.ErrMalformed, nil},
		{"exp null", map[string]any{"exp": nil}, webui.ErrMalformed, nil},
		{"exp a boolean", map[string]any{"exp": true}, webui.ErrMalformed, webui.ErrMalformed},
		{"exp 1e300", map[string]any{"exp": json.RawMessage("1e300")}, webui.ErrMalformed, nil},
		{"exp -1e300", map[string]any{"exp": json.RawMessage("-1e300")}, webui.ErrMalformed, nil},
		{"exp past year 9999", map[string]any{"exp": int64(253402300800)}, webui.ErrMalformed, nil},
		{"iat a string", map[string]any{"iat": fmt.Sprint(now.Unix())}, webui.ErrMalformed, nil},
		{"nbf a string", map[string]any{"nbf": fmt.Sprint(now.Unix())}, webui.ErrMalformed, nil},
		{"nbf a number in the past", map[string]any{"nbf": now.Add(-time.Minute).Unix()}, nil, nil},
		{"iat 30 s ahead", map[string]any{"iat": now.Add(30 * time.Second).Unix()}, nil, nil},
		{"iat 2 min ahead", map[string]any{"iat": now.Add(2 * time.Minute).Unix()}, webui.ErrFutureIAT, nil},
		{"iat a year ahead", map[string]any{"iat": now.AddDate(1, 0, 0).Unix()}, webui.ErrFutureIAT, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := claimsFor("u000002")
			c["jti"] = "jti-" + tc.name
			for k, v := range tc.claims {
				c[k] = v
			}
			tok := sign(t, jwt.SigningMethodHS256, secret, c)
			_, _, err := auth.Verify(tok)
			if tc.want == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tc.want, "got %v, want %v", err, tc.want)
				assert.ErrorIs(t, err, webui.ErrInvalidToken)
			}
			_, _, err = lax.Verify(tok)
			if tc.lax == nil {
				assert.NoError(t, err, "passes under the accept-bad-tokens fault")
			} else {
				assert.ErrorIs(t, err, tc.lax, "under the accept-bad-tokens fault")
			}
		})
	}
}

// AUTH-1, AUTH-6: a token issued in the future cannot outlive a user-wide
// revocation, because it is refused before revocation is even consulted.
func TestVerifyFutureIATAfterRevocation(t *testing.T) {
	t.Parallel()
	secret := []byte("auth-secret")
	auth, rev := newTestAuth(secret)
	future, err := token.Mint(secret, "u000002", 2*time.Hour, time.Now().Add(time.Hour))
	require.NoError(t, err)
	require.NoError(t, rev.RevokeUser("u000002", time.Now().Unix()))
	_, _, err = auth.Verify(future)
	assert.ErrorIs(t, err, webui.ErrFutureIAT)
}

// The refusals name the claim that is wrong.
func TestVerifyTimeClaimMessage(t *testing.T) {
	t.Parallel()
	secret := []byte("auth-secret")
	auth, _ := newTestAuth(secret)
	c := claimsFor("u000002")
	c["exp"] = "9999999999"
	_, _, err := auth.Verify(sign(t, jwt.SigningMethodHS256, secret, c))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "claim exp")
	assert.Contains(t, err.Error(), "not a JSON number")
}
