package webui

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/stampede-sio/stampede/refserver/sio"
)

// The wire form of the ydoc:* events (PROTOCOL.md section 7): reading a
// payload into a docRequest, updates as JSON int arrays or binary
// attachments (DOC-2), upstream's truth test of "data" (DOC-3), and the
// int arrays that updates and states go out as.

// docRequest is the payload of a ydoc:* event. ID is the normalised
// document_id, "" when the payload is not an object or has no string
// document_id. Absent fields are nil.
type docRequest struct {
	ID                          string
	UserID, UserName, UserColor json.RawMessage
	// Update is the update as bytes, from an int array or a binary
	// attachment; HasUpdate is false for anything else.
	Update    []byte
	HasUpdate bool
	// Awareness is an awareness update as relayed: as sent, or an int
	// array for a binary one.
	Awareness json.RawMessage
	Data      json.RawMessage
}

func parseDocRequest(ev *sio.Event) docRequest {
	var raw struct {
		DocumentID json.RawMessage `json:"document_id"`
		UserID     json.RawMessage `json:"user_id"`
		UserName   json.RawMessage `json:"user_name"`
		UserColor  json.RawMessage `json:"user_color"`
		Update     json.RawMessage `json:"update"`
		Data       json.RawMessage `json:"data"`
	}
	var args []json.RawMessage
	if json.Unmarshal(ev.Args, &args) != nil || len(args) == 0 || firstByte(args[0]) != '{' ||
		json.Unmarshal(args[0], &raw) != nil {
		return docRequest{}
	}
	var p docRequest
	var id string
	if json.Unmarshal(raw.DocumentID, &id) == nil {
		p.ID = normalizeDocID(id)
	}
	p.UserID, p.UserName, p.UserColor, p.Data = raw.UserID, raw.UserName, raw.UserColor, raw.Data
	switch firstByte(raw.Update) {
	case '[':
		p.Update, p.HasUpdate = parseByteArray(raw.Update, MaxDocUpdate)
		p.Awareness = raw.Update
	case '{':
		if b, ok := attachedUpdate(ev); ok {
			p.Update, p.HasUpdate = b, len(b) <= MaxDocUpdate
			p.Awareness, _ = byteList(b).MarshalJSON()
		} else {
			p.Awareness = raw.Update
		}
	case 0:
	default:
		p.Awareness = raw.Update
	}
	return p
}

// attachedUpdate returns the update of a binary event (SIO-5): the
// attachment its placeholder names.
func attachedUpdate(ev *sio.Event) ([]byte, bool) {
	if len(ev.Attachments) == 0 {
		return nil, false
	}
	vals, err := ev.Values()
	if err != nil || len(vals) == 0 {
		return nil, false
	}
	m, _ := vals[0].(map[string]any)
	b, ok := m["update"].([]byte)
	return b, ok
}

func firstByte(b []byte) byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// parseByteArray reads a JSON array of integers 0–255 (raw is valid JSON,
// from the packet decoder). Anything else, or more than limit elements,
// is refused.
func parseByteArray(raw []byte, limit int) ([]byte, bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return nil, false
	}
	out := make([]byte, 0, min(len(raw)/2, limit))
	if i = skipSpace(raw, i+1); i < len(raw) && raw[i] == ']' {
		return out, skipSpace(raw, i+1) == len(raw)
	}
	for {
		i = skipSpace(raw, i)
		start, v := i, 0
		for ; i < len(raw) && raw[i] >= '0' && raw[i] <= '9'; i++ {
			if v = v*10 + int(raw[i]-'0'); v > 255 {
				return nil, false
			}
		}
		if i == start || (i < len(raw) && (raw[i] == '.' || raw[i] == 'e' || raw[i] == 'E')) || len(out) == limit {
			return nil, false
		}
		out = append(out, byte(v))
		if i = skipSpace(raw, i); i >= len(raw) {
			return nil, false
		}
		switch raw[i] {
		case ',':
			i++
		case ']':
			return out, skipSpace(raw, i+1) == len(raw)
		default:
			return nil, false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// truthy is Python's truth of a JSON value, as upstream's `if
// data.get("data")`: absent, null, false, 0, "", {} and [] are false.
func truthy(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0, string(raw) == "null", string(raw) == "false", string(raw) == `""`:
		return false
	case raw[0] == '{' || raw[0] == '[':
		inner := bytes.TrimSpace(raw[1 : len(raw)-1])
		return len(inner) > 0
	case raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'):
		f, err := strconv.ParseFloat(string(raw), 64)
		return err != nil || f != 0
	}
	return true
}

// byteList marshals as a JSON array of ints: updates and states go out as
// upstream sends them, never as binary.
type byteList []byte

// MarshalJSON writes [b0,b1,…].
func (b byteList) MarshalJSON() ([]byte, error) {
	out := make([]byte, 0, 2+4*len(b))
	out = append(out, '[')
	for i, c := range b {
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendUint(out, uint64(c), 10)
	}
	return append(out, ']'), nil
}

func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

func orDefault(v, def json.RawMessage) json.RawMessage {
	if v == nil {
		return def
	}
	return v
}
