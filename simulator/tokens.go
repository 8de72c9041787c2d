package simulator

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// adminUser is the admin of the generated population (CLI.md), whose token
// the control step uses. auth.user's default starts clients at u000002 to
// leave it free.
const adminUser = "u000001"

// adminTTL is the lifetime of the admin token; it is minted again when less
// than half of it is left, so runs of any length keep a valid one.
const adminTTL = 2 * time.Hour

// ErrNoSecret: tokens must be minted (auth mode mint, or a control step) but
// the Env has no secret.
var ErrNoSecret = errors.New("simulator: no secret to mint tokens (--secret or WEBUI_SECRET_KEY)")

// claims are open-webui's token claims (PROTOCOL.md section 3): id, exp
// (absent when the lifetime is negative), jti, iat.
type claims struct {
	ID string `json:"id"`
	jwt.RegisteredClaims
}

// mintToken signs an HS256 token for user that expires after ttl (never
// when ttl is negative), as open-webui's create_token does.
func mintToken(secret []byte, user string, ttl time.Duration, now time.Time) (string, error) {
	if len(secret) == 0 {
		return "", ErrNoSecret
	}
	var jti [16]byte
	_, _ = rand.Read(jti[:])
	c := claims{ID: user, RegisteredClaims: jwt.RegisteredClaims{
		ID:       hex.EncodeToString(jti[:]),
		IssuedAt: jwt.NewNumericDate(now),
	}}
	if ttl >= 0 {
		c.ExpiresAt = jwt.NewNumericDate(now.Add(ttl))
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("failed to sign a token for %s: %w", user, err)
	}
	return tok, nil
}

// adminToken is the control step's bearer token for adminUser, minted on
// first use and renewed before it expires.
type adminToken struct {
	secret []byte
	mu     sync.Mutex
	tok    string
	until  time.Time // renew after
}

func (a *adminToken) get(now time.Time) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok != "" && now.Before(a.until) {
		return a.tok, nil
	}
	tok, err := mintToken(a.secret, adminUser, adminTTL, now)
	if err != nil {
		return "", err
	}
	a.tok, a.until = tok, now.Add(adminTTL/2)
	return tok, nil
}
