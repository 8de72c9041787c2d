package check

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// AdminUser is the admin of the refserver's generated population (CLI.md).
const AdminUser = "u000001"

// Token mints an open-webui token (HS256; claims id, exp, jti, iat) for
// user with the target's secret; empty when no secret was given.
func (t *Target) Token(user string, ttl time.Duration) string {
	if t.Secret == nil {
		return ""
	}
	return SignToken(t.Secret, jwt.MapClaims{"id": user, "exp": time.Now().Add(ttl).Unix(), "iat": time.Now().Unix(), "jti": newJTI()})
}

// SignToken signs arbitrary claims with HS256, for cases that forge tokens.
func SignToken(secret []byte, claims jwt.MapClaims) string {
	s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret) // HMAC with a []byte key cannot fail
	return s
}

func newJTI() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
