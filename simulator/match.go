package simulator

import (
	"bytes"
	"math"
	"strconv"
)

// subset reports whether got contains want, the rule of emit_with_ack's
// expect and wait_for's match. want comes from YAML (with its strings
// rendered), got from JSON (encoding/json into any):
//
//   - a mapping matches an object that has every key of the mapping, each
//     value matching (other keys are ignored);
//   - a list matches an array of the same length, element by element;
//   - numbers match numbers of equal value (YAML's 3 and JSON's 3.0);
//   - a string matches the same string, or a number or boolean whose JSON
//     text it is (templates render to strings: "{{.Index}}" matches 7);
//   - nil (YAML ~) matches only null; a bool matches the same bool.
func subset(want, got any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok || !subset(wv, gv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !subset(w[i], g[i]) {
				return false
			}
		}
		return true
	case string:
		switch g := got.(type) {
		case string:
			return g == w
		case float64:
			f, err := strconv.ParseFloat(w, 64)
			return err == nil && f == g
		case bool:
			return strconv.FormatBool(g) == w
		}
		return false
	case bool:
		g, ok := got.(bool)
		return ok && g == w
	}
	if f, ok := number(want); ok {
		g, ok := number(got)
		return ok && f == g
	}
	return false
}

// number converts the numeric types YAML and JSON produce to float64.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint32:
		return float64(n), true
	}
	return 0, false
}

var sentKey = []byte(`"sent_ms"`)

// sentMS finds the send time an event carries (the package convention: a
// field sent_ms anywhere in the first argument, Unix milliseconds as a
// number or a numeric string) without decoding the argument: a search for
// the key, then the value after it. It runs on the read goroutine for every
// event, so it must stay cheap; false when there is none.
func sentMS(raw []byte) (int64, bool) {
	for {
		i := bytes.Index(raw, sentKey)
		if i < 0 {
			return 0, false
		}
		rest := skipSpace(raw[i+len(sentKey):])
		if len(rest) == 0 || rest[0] != ':' {
			raw = raw[i+len(sentKey):] // the text "sent_ms" as a value: look further
			continue
		}
		rest = skipSpace(rest[1:])
		quoted := len(rest) > 0 && rest[0] == '"'
		if quoted {
			rest = rest[1:]
		}
		end := 0
		for end < len(rest) && (rest[end] >= '0' && rest[end] <= '9' || rest[end] == '.' || rest[end] == '-' || rest[end] == 'e' || rest[end] == 'E' || rest[end] == '+') {
			end++
		}
		if end == 0 || (quoted && (end >= len(rest) || rest[end] != '"')) {
			return 0, false
		}
		if ms, err := strconv.ParseInt(string(rest[:end]), 10, 64); err == nil {
			return ms, true
		}
		f, err := strconv.ParseFloat(string(rest[:end]), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, false
		}
		return int64(f), true
	}
}

func skipSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}
