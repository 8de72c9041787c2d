package webui

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The reasons a token is refused (AUTH-1, AUTH-3, AUTH-6). Every one wraps
// ErrInvalidToken.
var (
	ErrInvalidToken = errors.New("invalid token")
	ErrNoToken      = fmt.Errorf("%w: missing", ErrInvalidToken)
	ErrMalformed    = fmt.Errorf("%w: malformed", ErrInvalidToken)
	ErrAPIKey       = fmt.Errorf("%w: API keys (sk-…) cannot open a socket", ErrInvalidToken)
	ErrBadAlg       = fmt.Errorf("%w: algorithm is not HS256", ErrInvalidToken)
	ErrBadSignature = fmt.Errorf("%w: bad signature", ErrInvalidToken)
	ErrExpired      = fmt.Errorf("%w: expired", ErrInvalidToken)
	ErrFutureIAT    = fmt.Errorf("%w: issued more than 60 s in the future", ErrInvalidToken)
	ErrUnknownUser  = fmt.Errorf("%w: unknown user", ErrInvalidToken)
	ErrPendingUser  = fmt.Errorf("%w: user is pending", ErrInvalidToken)
	ErrRevoked      = fmt.Errorf("%w: revoked", ErrInvalidToken)
)

// Auth verifies tokens (minted by package internal/token) against a population and a revocation store.
type Auth struct {
	secret  []byte
	pop     *Population
	revoked Revocations
	// AcceptAny is the accept-bad-tokens fault: every token that names a
	// known user passes, whatever its signature, expiry or revocation.
	AcceptAny bool

	// verified remembers the claims of tokens whose signature checked out:
	// a client presents the same token at CONNECT, in user-join and to the
	// HTTP API, and the HMAC and two JSON decodes are the biggest part of
	// verifying. Expiry, the user and revocation are still checked on every
	// use. Bounded: cleared when full.
	mu       sync.Mutex
	verified map[string]Claims
}

// verifiedMax bounds Auth.verified; a full cache is cleared, not evicted
// entry by entry, which costs one re-verification per live token.
const verifiedMax = 1 << 17

// NewAuth returns an Auth signing with secret (WEBUI_SECRET_KEY).
func NewAuth(secret []byte, pop *Population, revoked Revocations) *Auth {
	return &Auth{secret: secret, pop: pop, revoked: revoked}
}

func newJTI() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Verify checks a token as AUTH-1 says and returns its user and claims.
func (a *Auth) Verify(token string) (User, *Claims, error) {
	switch {
	case token == "":
		return User{}, nil, ErrNoToken
	case strings.HasPrefix(token, "sk-"):
		return User{}, nil, ErrAPIKey
	}
	c, err := a.parse(token)
	if err != nil {
		return User{}, nil, err
	}
	u, ok := a.pop.User(c.ID)
	switch {
	case !ok:
		return User{}, nil, ErrUnknownUser
	case u.Role != RoleUser && u.Role != RoleAdmin && !a.AcceptAny:
		return User{}, nil, ErrPendingUser
	}
	if a.AcceptAny {
		return u, c, nil
	}
	if c.IssuedAt != nil && c.IssuedAt.After(time.Now().Add(maxIATSkew)) {
		return User{}, nil, ErrFutureIAT
	}
	if a.isRevoked(c) {
		return User{}, nil, ErrRevoked
	}
	return u, c, nil
}

// maxIATSkew is how far in the future a token's iat may be (AUTH-1): a
// clock a little ahead is tolerated; a token issued later than that would
// outlive a user-wide revocation (AUTH-6).
const maxIATSkew = 60 * time.Second

func (a *Auth) parse(token string) (*Claims, error) {
	if !a.AcceptAny {
		a.mu.Lock()
		c, ok := a.verified[token]
		a.mu.Unlock()
		if ok {
			if c.ExpiresAt != nil && !time.Now().Before(c.ExpiresAt.Time) {
				return nil, ErrExpired
			}
			return &c, nil
		}
	}
	c, err := a.parseSigned(token)
	if err == nil && !a.AcceptAny {
		a.mu.Lock()
		if a.verified == nil || len(a.verified) >= verifiedMax {
			a.verified = make(map[string]Claims)
		}
		a.verified[token] = *c
		a.mu.Unlock()
	}
	return c, err
}

// parseSigned decodes a token and checks its algorithm, signature and
// expiry, in one pass: the algorithm is checked where the library asks for
// the key.
func (a *Auth) parseSigned(token string) (*Claims, error) {
	var c Claims
	if a.AcceptAny {
		_, _, err := jwt.NewParser().ParseUnverified(token, (*plainClaims)(&c))
		switch {
		case errors.Is(err, jwt.ErrTokenUnverifiable): // an alg the library does not know
			return nil, ErrBadAlg
		case err != nil:
			return nil, ErrMalformed
		}
		return &c, nil
	}
	var bad *dateError
	_, err := jwt.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		if t.Method.Alg() != jwt.SigningMethodHS256.Alg() { // none, HS512, RS256, …
			return nil, ErrBadAlg
		}
		return a.secret, nil
	})
	switch {
	case err == nil:
		return &c, nil
	case errors.Is(err, ErrBadAlg), errors.Is(err, jwt.ErrTokenUnverifiable): // an alg the library does not know
		return nil, ErrBadAlg
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, ErrBadSignature
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, ErrExpired
	case errors.As(err, &bad):
		return nil, fmt.Errorf("%w: %s", ErrMalformed, bad.msg)
	case errors.Is(err, jwt.ErrTokenMalformed):
		return nil, ErrMalformed
	}
	return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
}

// isRevoked applies AUTH-6: a revoked jti, or iat at or before the user's
// revoked_at. A failing store fails open (the caller logs).
func (a *Auth) isRevoked(c *Claims) bool {
	if jti := c.RegisteredClaims.ID; jti != "" {
		if r, err := a.revoked.TokenRevoked(jti); err == nil && r {
			return true
		}
	}
	at, ok, err := a.revoked.UserRevokedAt(c.ID)
	if err != nil || !ok {
		return false
	}
	// A token without iat cannot show it came after the revocation.
	return c.IssuedAt == nil || c.IssuedAt.Unix() <= at
}
