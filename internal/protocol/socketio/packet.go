package socketio

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// PacketType is the Socket.IO packet type (SIO-1).
type PacketType byte

// The Socket.IO v5 packet types.
const (
	Connect PacketType = iota
	Disconnect
	Event
	Ack
	ConnectError
	BinaryEvent
	BinaryAck
)

var typeNames = [...]string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"}

func (t PacketType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("PacketType(%d)", byte(t))
}

// IsBinary reports whether packets of type t carry attachments.
func (t PacketType) IsBinary() bool { return t == BinaryEvent || t == BinaryAck }

// ErrMalformed is wrapped by every decoding error (SIO-6).
var ErrMalformed = errors.New("socketio: malformed packet")

// NoID marks a packet without an ack id.
const NoID = -1

// maxAttachments bounds the announced attachment count so that a hostile
// header cannot make a decoder allocate without limit.
const maxAttachments = 1 << 16

// Packet is one Socket.IO packet. Namespace is "/" when the wire omits it.
// ID is NoID when the packet has no ack id. Data is the raw JSON payload, nil
// when absent; for binary packets it holds placeholders
// {"_placeholder":true,"num":N}.
type Packet struct {
	Type        PacketType
	Namespace   string
	ID          int64
	Attachments int
	Data        json.RawMessage
}

// HasID reports whether p carries an ack id.
func (p Packet) HasID() bool { return p.ID >= 0 }

// Append appends the wire form of p to dst (SIO-1):
// <type>[<attachments>-][<nsp>,][<ackId>][<json>].
func Append(dst []byte, p Packet) []byte {
	dst = append(dst, byte('0'+p.Type))
	if p.Type.IsBinary() {
		dst = strconv.AppendInt(dst, int64(p.Attachments), 10)
		dst = append(dst, '-')
	}
	if p.Namespace != "" && p.Namespace != "/" {
		dst = append(dst, p.Namespace...)
		dst = append(dst, ',')
	}
	if p.ID >= 0 {
		dst = strconv.AppendInt(dst, p.ID, 10)
	}
	return append(dst, p.Data...)
}

// Encode returns the wire form of p.
func Encode(p Packet) []byte { return Append(nil, p) }

// Decode parses one text packet and validates its payload for its type.
func Decode(s []byte) (Packet, error) {
	p := Packet{Namespace: "/", ID: NoID}
	if len(s) == 0 {
		return p, malformed("empty packet")
	}
	p.Type = PacketType(s[0] - '0')
	if s[0] < '0' || p.Type > BinaryAck {
		return p, malformed("unknown packet type %q", s[0])
	}
	i := 1
	if p.Type.IsBinary() {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i || j >= len(s) || s[j] != '-' || j-i > 6 {
			return p, malformed("bad attachment count")
		}
		n, _ := strconv.Atoi(string(s[i:j]))
		if n > maxAttachments {
			return p, malformed("too many attachments: %d", n)
		}
		p.Attachments = n
		i = j + 1
	}
	if i < len(s) && s[i] == '/' {
		j := i
		for j < len(s) && s[j] != ',' {
			j++
		}
		p.Namespace = string(s[i:j])
		if j < len(s) {
			j++
		}
		i = j
	}
	if j := digitsEnd(s, i); j > i {
		if j-i > 15 {
			return p, malformed("ack id too long")
		}
		p.ID, _ = strconv.ParseInt(string(s[i:j]), 10, 64)
		i = j
	}
	if i < len(s) {
		p.Data = json.RawMessage(s[i:])
	}
	return p, validate(p)
}

func digitsEnd(s []byte, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// validate applies socket.io-parser's isPayloadValid rules plus SIO-6's
// requirement that an event name be a string.
func validate(p Packet) error {
	if p.Data != nil && !json.Valid(p.Data) {
		return malformed("invalid JSON payload")
	}
	switch p.Type {
	case Connect:
		if p.Data != nil && firstByte(p.Data) != '{' {
			return malformed("CONNECT payload must be an object")
		}
	case Disconnect:
		if p.Data != nil {
			return malformed("DISCONNECT carries no payload")
		}
	case ConnectError:
		if b := firstByte(p.Data); b != '{' && b != '"' {
			return malformed("CONNECT_ERROR payload must be an object or a string")
		}
	case Event, BinaryEvent:
		return checkEvent(p.Data)
	case Ack, BinaryAck:
		if firstByte(p.Data) != '[' {
			return malformed("ACK payload must be an array")
		}
	}
	return nil
}

// checkEvent is SplitEvent's verdict on valid JSON without its allocations:
// an array whose first element is a string.
func checkEvent(data []byte) error {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return malformed("payload must be an array")
	}
	// After '[' valid JSON has either ']' or the first element.
	if i = skipSpace(data, i+1); i >= len(data) || data[i] != '"' {
		return malformed("event name must be a string")
	}
	return nil
}

// firstByte returns the first non-space byte of valid JSON, or 0.
func firstByte(b []byte) byte {
	if i := skipSpace(b, 0); i < len(b) {
		return b[i]
	}
	return 0
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}
