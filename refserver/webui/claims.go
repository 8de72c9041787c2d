package webui

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are open-webui's token claims: id, exp (absent when tokens never
// expire), jti, iat.
type Claims struct {
	ID string `json:"id"`
	jwt.RegisteredClaims
}

// dateError says why a time claim is malformed (AUTH-1).
type dateError struct{ msg string }

func (e *dateError) Error() string { return e.msg }

// NumericDate bounds (RFC 7519 §2): the years 1 to 9999. A number outside
// them names no time the server can compare, so the claim is malformed;
// calling exp 1e300 "expired" would be false, and accepting it would be a
// token that never expires.
const (
	minNumericDate = -62135596800 // 0001-01-01T00:00:00Z
	maxNumericDate = 253402300799 // 9999-12-31T23:59:59Z
)

// plainClaims decodes as Claims would without its UnmarshalJSON: the
// library's lenient reading, which takes "exp":"123" for a number. The
// accept-bad-tokens fault reads tokens this way.
type plainClaims Claims

// UnmarshalJSON reads the claims strictly (AUTH-1): exp, iat and nbf, when
// present, must be JSON numbers (a string or null is malformed) within the
// NumericDate bounds.
func (c *Claims) UnmarshalJSON(b []byte) error {
	// The shallower fields win over RegisteredClaims' exp, iat and nbf, so
	// the time claims arrive raw and are read here, in the one decode.
	var raw struct {
		*plainClaims
		Exp json.RawMessage `json:"exp"`
		Iat json.RawMessage `json:"iat"`
		Nbf json.RawMessage `json:"nbf"`
	}
	raw.plainClaims = (*plainClaims)(c)
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	var err error
	if c.ExpiresAt, err = numericDate("exp", raw.Exp); err != nil {
		return err
	}
	if c.IssuedAt, err = numericDate("iat", raw.Iat); err != nil {
		return err
	}
	c.NotBefore, err = numericDate("nbf", raw.Nbf)
	return err
}

// numericDate reads one time claim; nil when it is absent.
func numericDate(name string, raw json.RawMessage) (*jwt.NumericDate, error) {
	if raw == nil {
		return nil, nil
	}
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return nil, &dateError{fmt.Sprintf("claim %s is %.20s, not a JSON number", name, raw)}
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f < minNumericDate || f > maxNumericDate {
		return nil, &dateError{fmt.Sprintf("claim %s is %.20s, outside the years 1 to 9999", name, raw)}
	}
	sec, frac := math.Modf(f)
	return jwt.NewNumericDate(time.Unix(int64(sec), int64(frac*1e9))), nil
}
