package engineio

import (
	"encoding/json"
	"strconv"
)

// Protocol is the Engine.IO protocol revision this package speaks (EIO-1).
const Protocol = "4"

// The transport names of EIO-1.
const (
	TransportPolling   = "polling"
	TransportWebsocket = "websocket"
)

// OpenInfo is the JSON body of the OPEN packet (EIO-4).
type OpenInfo struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

// OpenPacket returns the OPEN packet announcing info.
func OpenPacket(info OpenInfo) Packet {
	if info.Upgrades == nil {
		info.Upgrades = []string{}
	}
	data, _ := json.Marshal(info) // cannot fail: plain strings and ints
	return Packet{Type: Open, Data: data}
}

// ParseOpen decodes the OPEN packet's body.
func ParseOpen(p Packet) (OpenInfo, error) {
	var info OpenInfo
	if p.Type != Open || p.Binary {
		return info, ErrMalformed
	}
	if err := json.Unmarshal(p.Data, &info); err != nil || info.SID == "" {
		return info, ErrMalformed
	}
	return info, nil
}

// ErrorCode is the code of an Engine.IO HTTP error body (EIO-2, EIO-3).
type ErrorCode int

// The error codes Node's engine.io answers with.
const (
	UnknownTransport ErrorCode = iota
	UnknownSID
	BadHandshakeMethod
	BadRequest
	Forbidden
	UnsupportedProtocolVersion
)

var errorMessages = [...]string{
	"Transport unknown",
	"Session ID unknown",
	"Bad handshake method",
	"Bad request",
	"Forbidden",
	"Unsupported protocol version",
}

// Message is the human text Node sends with the code.
func (c ErrorCode) Message() string {
	if c >= 0 && int(c) < len(errorMessages) {
		return errorMessages[c]
	}
	return "Unknown error"
}

// Body is the JSON body of the HTTP error: {"code":N,"message":"..."}.
func (c ErrorCode) Body() []byte {
	b := []byte(`{"code":`)
	b = strconv.AppendInt(b, int64(c), 10)
	b = append(b, `,"message":`...)
	b = strconv.AppendQuote(b, c.Message())
	return append(b, '}')
}

// HTTPStatus is 403 for Forbidden and 400 for every other code.
func (c ErrorCode) HTTPStatus() int {
	if c == Forbidden {
		return 403
	}
	return 400
}
