package socketio

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"
)

// EventName returns the name of an event payload `["name", ...]`. The payload
// must be valid JSON; a missing or non-string name is ErrMalformed (SIO-6).
func EventName(data json.RawMessage) (string, error) {
	if name, _, ok := plainName(data); ok {
		return name, nil
	}
	name, _, err := SplitEvent(data)
	return name, err
}

// SplitEvent splits an event payload `["name", a1, a2]` into its name and the
// raw argument array `[a1,a2]` (`[]` when there are none). The payload must
// already be valid JSON.
func SplitEvent(data json.RawMessage) (string, json.RawMessage, error) {
	if name, end, ok := plainName(data); ok && compact(data[end:]) {
		// data[end:] is `]` or `,a1,a2]`: exactly what JoinArgs would
		// rebuild from the elements, once the comma becomes a bracket.
		args := make(json.RawMessage, max(len(data)-end, 2))
		args[0] = '['
		copy(args[1:], data[end+1:])
		args[len(args)-1] = ']'
		return name, args, nil
	}
	args, err := Args(data)
	if err != nil {
		return "", nil, err
	}
	if len(args) == 0 || firstByte(args[0]) != '"' {
		return "", nil, malformed("event name must be a string")
	}
	var name string
	if err := json.Unmarshal(args[0], &name); err != nil {
		return "", nil, malformed("event name: %v", err)
	}
	return name, JoinArgs(args[1:]), nil
}

// plainName is the fast path of EventName and SplitEvent for what encoders
// send: valid JSON starting `["` whose name needs no unescaping. It returns
// the name and the index just past its closing quote; ok=false means the
// general path must decide.
func plainName(data []byte) (name string, end int, ok bool) {
	if len(data) < 4 || data[0] != '[' || data[1] != '"' || !json.Valid(data) {
		return "", 0, false
	}
	i := 2
	for data[i] != '"' { // valid JSON closes the string
		if data[i] == '\\' {
			return "", 0, false
		}
		i++
	}
	if !utf8.Valid(data[2:i]) { // encoding/json would substitute U+FFFD
		return "", 0, false
	}
	return string(data[2:i]), i + 1, true
}

// compact reports whether valid JSON b has no whitespace outside strings.
func compact(b []byte) bool {
	inString := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case !inString && isSpace(c):
			return false
		}
	}
	return true
}

// Args splits a JSON array into its raw elements, which alias data
// (without the whitespace around them).
func Args(data json.RawMessage) ([]json.RawMessage, error) {
	return AppendArgs(nil, data)
}

// AppendArgs is Args appending the elements to dst, so that a caller can
// split into memory of its own, such as an array on its stack, and keep
// only what it needs. It never returns nil without an error.
func AppendArgs(dst []json.RawMessage, data json.RawMessage) ([]json.RawMessage, error) {
	if firstByte(data) != '[' {
		return nil, malformed("payload must be an array")
	}
	if !json.Valid(data) {
		return nil, malformed("payload array: invalid JSON")
	}
	return splitArray(dst, data), nil
}

// ValidArgs is Args for the Data of a packet that Decode accepted: Decode
// has checked the JSON, so it is not checked again (SIO-6); only that it is
// an array. Input that is not valid JSON gives meaningless elements but
// never a panic.
func ValidArgs(data json.RawMessage) ([]json.RawMessage, error) {
	if firstByte(data) != '[' {
		return nil, malformed("payload must be an array")
	}
	return splitArray(nil, data), nil
}

// ValidEvent splits the payload of an EVENT that Decode accepted into its
// name and raw arguments (which alias data) without checking the JSON
// again, as ValidArgs does. prev is a name seen before: when the event's
// name is the same, prev itself is returned, so that a stream of one kind
// of event allocates no names.
func ValidEvent(data json.RawMessage, prev string) (string, []json.RawMessage, error) {
	args, err := ValidArgs(data)
	if err != nil || len(args) == 0 || firstByte(args[0]) != '"' {
		return "", nil, malformed("event name must be a string")
	}
	if q := args[0]; len(q) >= 2 && q[len(q)-1] == '"' && plainContent(q[1:len(q)-1]) {
		if string(q[1:len(q)-1]) == prev {
			return prev, args[1:], nil
		}
		return string(q[1 : len(q)-1]), args[1:], nil
	}
	var name string
	if err := json.Unmarshal(args[0], &name); err != nil {
		return "", nil, malformed("event name: %v", err)
	}
	return name, args[1:], nil
}

// plainContent reports whether the content of a JSON string reads as it is:
// no escapes, no control characters, valid UTF-8 (encoding/json would
// substitute U+FFFD).
func plainContent(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == '\\' || c == '"' {
			return false
		}
	}
	return utf8.Valid(b)
}

// splitArray cuts valid JSON holding an array at the commas of its top
// level, which is what json.Unmarshal into []json.RawMessage finds, without
// decoding anything. It appends the elements to dst, or to a new slice
// when dst is nil.
func splitArray(dst []json.RawMessage, data []byte) []json.RawMessage {
	args := dst
	i := skipSpace(data, 0) + 1 // past '['
	if j := skipSpace(data, i); j >= len(data) || data[j] == ']' {
		if args == nil {
			args = []json.RawMessage{}
		}
		return args
	}
	if args == nil {
		args = make([]json.RawMessage, 0, 4)
	}
	start, depth, inString := i, 0, false
	for ; i < len(data); i++ {
		c := data[i]
		switch {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
		case (c == ']' || c == '}') && depth > 0:
			depth--
		case depth == 0 && (c == ',' || c == ']'): // an element ends
			args = append(args, trimSpace(data[start:i]))
			if c == ']' {
				return args
			}
			start = i + 1
		}
	}
	return args
}

// trimSpace drops JSON whitespace from both ends of b.
func trimSpace(b []byte) []byte {
	b = b[skipSpace(b, 0):]
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// JoinArgs builds the JSON array of raw elements.
func JoinArgs(args []json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, a := range args {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(a)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// EventData builds an event payload `["name", a1, ...]` from a name and a raw
// argument array such as SplitEvent returns. Empty args means no arguments;
// args that are not an array are taken as a single argument.
func EventData(name string, args json.RawMessage) json.RawMessage {
	inner := bytes.TrimSpace(args)
	if len(inner) >= 2 && inner[0] == '[' && inner[len(inner)-1] == ']' {
		inner = bytes.TrimSpace(inner[1 : len(inner)-1])
	}
	out := make([]byte, 0, len(name)+len(inner)+5)
	out = appendString(append(out, '['), name)
	if len(inner) > 0 {
		out = append(out, ',')
		out = append(out, inner...)
	}
	return append(out, ']')
}

// plainString reports whether json.Marshal would write s as is between
// quotes: printable ASCII without the characters it escapes.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c >= utf8.RuneSelf, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// MarshalEvent builds an event payload from a name and Go values, as
// AppendEvent does.
func MarshalEvent(name string, args ...any) (json.RawMessage, error) {
	data, err := AppendEvent(nil, name, args...)
	if err != nil {
		return nil, err
	}
	return data, nil
}

// AppendEvent appends the event payload `["name",a1,...]` to dst. A
// json.RawMessage argument is appended as it is (an empty one as null):
// what a client encoded once is not checked again on every emit. Strings,
// ints and bools are written here, as json.Marshal writes them, without
// its allocation. Other values go through json.Marshal and must not
// contain []byte (use Deconstruct for binary); one JSON cannot hold is an
// error wrapping ErrMalformed, as in Deconstruct.
func AppendEvent(dst []byte, name string, args ...any) ([]byte, error) {
	dst = appendString(append(dst, '['), name)
	for _, a := range args {
		dst = append(dst, ',')
		switch v := a.(type) {
		case json.RawMessage:
			if len(v) == 0 {
				v = json.RawMessage("null")
			}
			dst = append(dst, v...)
		case string:
			dst = appendString(dst, v)
		case int:
			dst = strconv.AppendInt(dst, int64(v), 10)
		case int64:
			dst = strconv.AppendInt(dst, v, 10)
		case bool:
			dst = strconv.AppendBool(dst, v)
		default:
			raw, err := json.Marshal(a)
			if err != nil {
				return dst, errors.Join(ErrMalformed, err)
			}
			dst = append(dst, raw...)
		}
	}
	return append(dst, ']'), nil
}

// appendString appends s as a JSON string, as json.Marshal writes it.
func appendString(dst []byte, s string) []byte {
	if !plainString(s) {
		quoted, _ := json.Marshal(s) // a string always marshals
		return append(dst, quoted...)
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
