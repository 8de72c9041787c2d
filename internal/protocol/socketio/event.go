package socketio

import (
	"bytes"
	"encoding/json"
)

// EventName returns the name of an event payload `["name", ...]`. The payload
// must be valid JSON; a missing or non-string name is ErrMalformed (SIO-6).
func EventName(data json.RawMessage) (string, error) {
	name, _, err := SplitEvent(data)
	return name, err
}

// SplitEvent splits an event payload `["name", a1, a2]` into its name and the
// raw argument array `[a1,a2]` (`[]` when there are none). The payload must
// already be valid JSON.
func SplitEvent(data json.RawMessage) (string, json.RawMessage, error) {
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

// Args splits a JSON array into its raw elements.
func Args(data json.RawMessage) ([]json.RawMessage, error) {
	if firstByte(data) != '[' {
		return nil, malformed("payload must be an array")
	}
	var args []json.RawMessage
	if err := json.Unmarshal(data, &args); err != nil {
		return nil, malformed("payload array: %v", err)
	}
	return args, nil
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
// argument array such as SplitEvent returns.
func EventData(name string, args json.RawMessage) json.RawMessage {
	quoted, _ := json.Marshal(name) // a string always marshals
	inner := bytes.TrimSpace(args)
	if len(inner) >= 2 {
		inner = bytes.TrimSpace(inner[1 : len(inner)-1])
	}
	out := make([]byte, 0, len(quoted)+len(inner)+3)
	out = append(out, '[')
	out = append(out, quoted...)
	if len(inner) > 0 {
		out = append(out, ',')
		out = append(out, inner...)
	}
	return append(out, ']')
}

// MarshalEvent builds an event payload from a name and Go values, which must
// not contain []byte (use Deconstruct for binary).
func MarshalEvent(name string, args ...any) (json.RawMessage, error) {
	v := make([]any, 0, len(args)+1)
	v = append(v, name)
	v = append(v, args...)
	return json.Marshal(v)
}
