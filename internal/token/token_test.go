package token_test

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/token"
)

// A minted token is HS256 over the secret, with the claims id, jti, iat and
// exp (seconds, as open-webui writes them); a negative lifetime leaves exp
// out; each token has its own jti.
func TestMint(t *testing.T) {
	t.Parallel()
	secret := []byte("test-secret")
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name string
		ttl  time.Duration
		exp  any
	}{
		{"expires", time.Hour, float64(1_700_003_600)},
		{"never expires", -1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tok, err := token.Mint(secret, "u000002", tt.ttl, now)
			require.NoError(t, err)
			c := jwt.MapClaims{}
			parsed, err := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithoutClaimsValidation()).
				ParseWithClaims(tok, c, func(*jwt.Token) (any, error) { return secret, nil })
			require.NoError(t, err)
			assert.True(t, parsed.Valid)
			assert.Equal(t, "u000002", c["id"])
			assert.Equal(t, float64(1_700_000_000), c["iat"])
			assert.Equal(t, tt.exp, c["exp"])
			assert.Len(t, c["jti"], 32, "16 random bytes, hex")
			other, err := token.Mint(secret, "u000002", tt.ttl, now)
			require.NoError(t, err)
			assert.NotEqual(t, tok, other, "each token has its own jti")
		})
	}
}

// A token signed with one secret does not verify with another.
func TestMintSecret(t *testing.T) {
	t.Parallel()
	tok, err := token.Mint([]byte("a"), "u000002", time.Hour, time.Now())
	require.NoError(t, err)
	_, err = jwt.Parse(tok, func(*jwt.Token) (any, error) { return []byte("b"), nil })
	assert.ErrorIs(t, err, jwt.ErrTokenSignatureInvalid)
}
