package token

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// claims are open-webui's token claims: id, and the registered exp (absent
// for a token that never expires), jti and iat.
type claims struct {
	ID string `json:"id"`
	jwt.RegisteredClaims
}

// Mint signs an HS256 token for user with secret, issued at now, that
// expires after ttl (never when ttl is negative, as JWT_EXPIRES_IN=-1), with
// a random jti, as open-webui's create_token does.
func Mint(secret []byte, user string, ttl time.Duration, now time.Time) (string, error) {
	var jti [16]byte
	_, _ = rand.Read(jti[:]) // never fails (crypto/rand)
	c := claims{ID: user, RegisteredClaims: jwt.RegisteredClaims{
		ID:       hex.EncodeToString(jti[:]),
		IssuedAt: jwt.NewNumericDate(now),
	}}
	if ttl >= 0 {
		c.ExpiresAt = jwt.NewNumericDate(now.Add(ttl))
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
}
