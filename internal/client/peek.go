package client

import (
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// PeekedEvent is a plain EVENT as OnEventPeek sees it: raw bytes of the
// packet, valid only during the call.
type PeekedEvent struct {
	Name     []byte // the event name, as sent (it has no escapes)
	FirstArg []byte // the first argument's raw JSON; nil when there is none
	Size     int    // the name and the arguments, in bytes, as Event sizes count them
}

// OnEventPeek sets fn to see each plain EVENT of this socket before it is
// decoded, on the read goroutine; nil removes it. When fn returns true the
// event is done: it is not decoded or checked, no OnAny or On handler runs,
// and it is not handed to a pooled goroutine (issue 16: the simulator counts
// most events it receives and times them, and nothing else). When fn
// returns false the event takes the usual path.
//
// fn must stay shallow: the read goroutine parks for the life of the
// connection and keeps any stack it grows (see readWebsocket), so fn must
// not decode JSON, block or call deep code. Only websocket events that want
// no ack, carry no attachments and whose name has no escapes are peeked,
// and none on a Conn with Options.OnRaw or OnMessage. The arguments are
// split by their brackets, not checked: a malformed event fn consumes is not
// reported as a bad packet.
func (s *Socket) OnEventPeek(fn func(PeekedEvent) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.peek = fn
}

// peekEvent offers a plain EVENT to its socket's OnEventPeek and reports
// whether it took it. Like readAck it reads the packet by hand, because
// the read goroutine must stay shallow.
func (c *Conn) peekEvent(p engineio.Packet) bool {
	d := p.Data
	if p.Type != engineio.Message || p.Binary || len(d) < 4 || d[0] != '0'+byte(socketio.Event) ||
		c.opts.OnRaw != nil || c.opts.OnMessage != nil || c.dec != nil {
		return false
	}
	nsp, i, ok := packetNamespace(d)
	if !ok || i >= len(d) || d[i] != '[' { // an ack id, or not an array
		return false
	}
	name, rest, ok := peekName(d[i+1:])
	if !ok {
		return false
	}
	s := c.socketFor(nsp)
	if s == nil {
		return false
	}
	s.mu.Lock()
	fn, connected := s.peek, s.state == socketConnected
	s.mu.Unlock()
	if fn == nil || !connected {
		return false
	}
	first, ok := firstArg(rest)
	if !ok {
		return false
	}
	return fn(PeekedEvent{Name: name, FirstArg: first, Size: len(name) + 4 + len(rest) - 1})
}

// packetNamespace reads the namespace of a Socket.IO packet's text (after
// its type digit) and returns the index just past it and its comma.
func packetNamespace(d []byte) (nsp string, i int, ok bool) {
	if len(d) < 2 || d[1] != '/' {
		return "/", 1, true
	}
	for i = 1; i < len(d) && d[i] != ','; i++ {
	}
	if i == len(d) {
		return "", 0, false
	}
	return string(d[1:i]), i + 1, true
}

// peekName reads `"name"` at the start of b (just after the array's `[`)
// and returns the name and what follows it, `,args…]` or `]`.
func peekName(b []byte) (name, rest []byte, ok bool) {
	if len(b) < 3 || b[0] != '"' {
		return nil, nil, false
	}
	for j := 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			rest = b[j+1:]
			if len(rest) == 0 || (rest[0] != ',' && rest[0] != ']') {
				return nil, nil, false
			}
			return b[1:j], rest, true
		case c == '\\' || c < 0x20:
			return nil, nil, false
		}
	}
	return nil, nil, false
}

// firstArg splits the first value off `,a1,a2…]` (or `]`: none) by
// tracking strings and brackets, without checking the JSON.
func firstArg(rest []byte) ([]byte, bool) {
	if rest[0] == ']' {
		return nil, true
	}
	v := rest[1:]
	depth, inString, escaped := 0, false, false
	for j, c := range v {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString:
			inString = c != '"'
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case (c == '}' || c == ']') && depth > 0:
			depth--
		case (c == ',' || c == ']') && depth == 0:
			return v[:j], j > 0
		}
	}
	return nil, false
}
