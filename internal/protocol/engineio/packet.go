package engineio

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
)

// PacketType is the one-digit type of an Engine.IO packet (EIO-7).
type PacketType byte

// The Engine.IO v4 packet types.
const (
	Open PacketType = iota
	Close
	Ping
	Pong
	Message
	Upgrade
	Noop
)

var typeNames = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

func (t PacketType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("PacketType(%d)", byte(t))
}

// Valid reports whether t is one of the seven packet types (EIO-15).
func (t PacketType) Valid() bool { return t <= Noop }

// RecordSeparator joins packets in a long-polling payload (EIO-8).
const RecordSeparator = 0x1e

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("engineio: malformed packet")

// Packet is one Engine.IO packet. Binary is true only for a message packet
// whose Data is raw bytes (a websocket binary frame, or "b<base64>" on polling).
type Packet struct {
	Type   PacketType
	Data   []byte
	Binary bool
}

// Probe is the payload of the upgrade probe ping/pong (EIO-9).
const Probe = "probe"

// IsProbe reports whether p is a "2probe" or "3probe" packet. A message
// whose text happens to be "probe" ("4probe") is not one.
func (p Packet) IsProbe() bool {
	return (p.Type == Ping || p.Type == Pong) && !p.Binary && string(p.Data) == Probe
}

// DecodeText decodes one packet in text form: a websocket text frame or one
// record of a polling payload. A record that starts with 'b' is a base64
// binary message (EIO-11).
func DecodeText(s []byte) (Packet, error) {
	if len(s) == 0 {
		return Packet{}, fmt.Errorf("%w: empty", ErrMalformed)
	}
	if s[0] == 'b' {
		data := make([]byte, base64.StdEncoding.DecodedLen(len(s)-1))
		n, err := base64.StdEncoding.Decode(data, s[1:])
		if err != nil {
			return Packet{}, fmt.Errorf("%w: bad base64: %v", ErrMalformed, err)
		}
		return Packet{Type: Message, Data: data[:n], Binary: true}, nil
	}
	t := PacketType(s[0] - '0')
	if s[0] < '0' || !t.Valid() {
		return Packet{}, fmt.Errorf("%w: unknown type %q", ErrMalformed, s[0])
	}
	return Packet{Type: t, Data: s[1:]}, nil
}

// DecodeBinary wraps a websocket binary frame: always a binary message.
func DecodeBinary(frame []byte) Packet {
	return Packet{Type: Message, Data: frame, Binary: true}
}

// AppendText appends the text form of p to dst. A binary message becomes
// "b" + base64, as long-polling carries it.
func AppendText(dst []byte, p Packet) []byte {
	if p.Binary {
		dst = append(dst, 'b')
		return base64.StdEncoding.AppendEncode(dst, p.Data)
	}
	dst = append(dst, byte('0'+p.Type))
	return append(dst, p.Data...)
}

// DecodePayload splits a long-polling body into its packets (EIO-8).
func DecodePayload(body []byte) ([]Packet, error) {
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: empty payload", ErrMalformed)
	}
	pkts := make([]Packet, 0, bytes.Count(body, []byte{RecordSeparator})+1)
	for {
		end := bytes.IndexByte(body, RecordSeparator)
		if end < 0 {
			end = len(body)
		}
		// Cap each record so that appending to a packet's Data cannot
		// overwrite the records after it.
		p, err := DecodeText(body[:end:end])
		if err != nil {
			return nil, err
		}
		pkts = append(pkts, p)
		if end == len(body) {
			return pkts, nil
		}
		body = body[end+1:]
	}
}

// AppendPayload appends the polling form of pkts, joined by RecordSeparator.
func AppendPayload(dst []byte, pkts []Packet) []byte {
	for i, p := range pkts {
		if i > 0 {
			dst = append(dst, RecordSeparator)
		}
		dst = AppendText(dst, p)
	}
	return dst
}
