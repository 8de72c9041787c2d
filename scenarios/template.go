package scenarios

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// TemplateData is what a template sees: auth.user, the strings in emit args,
// expect, wait_for match and control params are text/template templates
// executed with it. auth.user is executed before User is known (User is
// empty there).
type TemplateData struct {
	Index     int                          // the client's index, from 0, in start order
	User      string                       // the client's user id (auth.user), empty under auth mode none
	Flow      string                       // the client's flow name
	Iteration int                          // the innermost loop's iteration, from 0
	Vars      map[string]string            // the scenario's vars: {{.Vars.room}}
	Data      map[string]map[string]string // this client's row of each data file: {{.Data.users.email}}
}

// maxBytes bounds the bytes function, so that a typo cannot ask for terabytes.
const maxBytes = 64 << 20

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// Funcs returns the template functions, the same for validation and for
// the simulator:
//
//	add a b, sub a b, mul a b   integer arithmetic
//	mod a b                     a modulo b, never negative (b ≠ 0)
//	printf format args…         fmt.Sprintf
//	rand_int lo hi              uniform integer in [lo, hi]
//	rand_id n                   n random characters of [a-z0-9]
//	bytes n                     n random characters of [a-z0-9] inside a longer string;
//	                            an argument that is exactly {{bytes N}} is N binary bytes (BinaryArg)
//	now_ms                      Unix time in milliseconds
//
// rng is the random source (nil: math/rand/v2's global one, safe for
// concurrent use); now is the clock (nil: time.Now).
func Funcs(rng *rand.Rand, now func() time.Time) template.FuncMap {
	intN := rand.IntN
	if rng != nil {
		intN = rng.IntN
	}
	if now == nil {
		now = time.Now
	}
	randID := func(n int) (string, error) {
		if n < 0 || n > maxBytes {
			return "", fmt.Errorf("length %d out of range [0, %d]", n, maxBytes)
		}
		b := make([]byte, n)
		for i := range b {
			b[i] = idAlphabet[intN(len(idAlphabet))]
		}
		return string(b), nil
	}
	return template.FuncMap{
		"add":    func(a, b int) int { return a + b },
		"sub":    func(a, b int) int { return a - b },
		"mul":    func(a, b int) int { return a * b },
		"mod":    mod,
		"printf": fmt.Sprintf,
		"rand_int": func(lo, hi int) (int, error) {
			if hi < lo {
				return 0, fmt.Errorf("rand_int %d %d: hi below lo", lo, hi)
			}
			return lo + intN(hi-lo+1), nil
		},
		"rand_id": randID,
		"bytes":   randID,
		"now_ms":  func() int64 { return now().UnixMilli() },
	}
}

func mod(a, b int) (int, error) {
	if b == 0 {
		return 0, errors.New("mod by zero")
	}
	m := a % b
	if m < 0 {
		if b < 0 {
			b = -b
		}
		m += b
	}
	return m, nil
}

// ParseTemplate parses text with the template functions (Funcs with the
// global random source); a missing map key is an error when executed.
func ParseTemplate(name, text string) (*template.Template, error) {
	return template.New(name).Funcs(Funcs(nil, nil)).Option("missingkey=error").Parse(text)
}

// IsTemplate reports whether s has template actions; other strings are
// used as they are.
func IsTemplate(s string) bool { return strings.Contains(s, "{{") }

var binaryArg = regexp.MustCompile(`^\{\{-?\s*bytes\s+([0-9]+)\s*-?\}\}$`)

// BinaryArg reports whether an emit argument is exactly {{bytes N}}, which
// is sent as N random bytes in a binary attachment rather than as text.
func BinaryArg(s string) (n int, ok bool) {
	m := binaryArg.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n > maxBytes {
		return 0, false
	}
	return n, true
}
