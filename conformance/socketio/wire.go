package socketio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// maxKept bounds what one connection's wire keeps, so that a flooding
// target cannot exhaust memory; the cases need a few hundred packets.
const maxKept = 4096

// wire is what one connection received, in order: every Engine.IO packet
// and, on a Socket.IO connection, the Socket.IO packets decoded by a
// decoder of its own. The client's read goroutine adds (via OnRaw); the
// case's goroutine reads under mu and waits on wake, which is closed and
// replaced at every addition.
type wire struct {
	sio bool

	mu     sync.Mutex
	dec    socketio.Decoder
	header string // text of a binary packet awaiting its attachments
	frames []engineio.Packet
	pkts   []rx
	wake   chan struct{}
}

// rx is one Socket.IO packet as it arrived.
type rx struct {
	socketio.Message
	// text is the packet's text form after the Engine.IO type digit; for a
	// binary packet, its header.
	text string
	// err is set when the packet did not decode: the target sent garbage.
	err error
}

func newWire(sio bool) *wire { return &wire{sio: sio, wake: make(chan struct{})} }

// add records one received Engine.IO packet; OnRaw calls it on the read
// goroutine, where p.Data is only valid during the call.
func (w *wire) add(p engineio.Packet) {
	p.Data = bytes.Clone(p.Data)
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.frames) < maxKept {
		w.frames = append(w.frames, p)
	}
	if w.sio && p.Type == engineio.Message {
		w.decode(p)
	}
	close(w.wake)
	w.wake = make(chan struct{})
}

func (w *wire) decode(p engineio.Packet) {
	var (
		m   socketio.Message
		ok  bool
		err error
	)
	if p.Binary {
		m, ok, err = w.dec.DecodeBinary(p.Data)
	} else {
		m, ok, err = w.dec.DecodeText(p.Data)
		if err == nil && !ok {
			w.header = string(p.Data)
		}
	}
	if len(w.pkts) >= maxKept {
		return
	}
	switch {
	case err != nil:
		w.dec.Reset()
		w.pkts = append(w.pkts, rx{text: shorten(string(p.Data)), err: err})
	case ok && p.Binary:
		w.pkts = append(w.pkts, rx{Message: m, text: w.header})
	case ok:
		w.pkts = append(w.pkts, rx{Message: m, text: string(p.Data)})
	}
}

// lastSeen describes the last Socket.IO packets (or, on a bare Engine.IO
// connection, packets) received, for a failure's actual.
func (w *wire) lastSeen() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var seen []string
	if w.sio {
		for _, r := range w.pkts[max(0, len(w.pkts)-3):] {
			seen = append(seen, "`4"+shorten(r.text)+"`")
		}
	} else {
		for _, f := range w.frames[max(0, len(w.frames)-3):] {
			seen = append(seen, "`"+shorten(string(engineio.AppendText(nil, f)))+"`")
		}
	}
	if len(seen) == 0 {
		return "; it had received nothing"
	}
	return "; last received: " + strings.Join(seen, ", ")
}

func shorten(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// event returns the event name of an EVENT or BINARY_EVENT, else "".
func (r rx) event() string {
	if r.err != nil || (r.Type != socketio.Event && r.Type != socketio.BinaryEvent) {
		return ""
	}
	name, _ := socketio.EventName(r.Data)
	return name
}

// args returns the arguments: after the name for an event, all of them for
// an ack; nil when the payload is not an array.
func (r rx) args() []json.RawMessage {
	args, err := socketio.Args(r.Data)
	if err != nil {
		return nil
	}
	if r.Type == socketio.Event || r.Type == socketio.BinaryEvent {
		if len(args) == 0 {
			return nil
		}
		return args[1:]
	}
	return args
}

// isAck reports whether r is an ACK or BINARY_ACK.
func (r rx) isAck() bool {
	return r.err == nil && (r.Type == socketio.Ack || r.Type == socketio.BinaryAck)
}

// wireText is r as the Engine.IO message it came in, for messages.
func (r rx) wireText() string { return "4" + r.text }

// isEvent matches the event name on namespace nsp.
func isEvent(nsp, name string) func(rx) bool {
	return func(r rx) bool { return r.Namespace == nsp && r.event() == name }
}

// isType matches a packet type on namespace nsp.
func isType(nsp string, t socketio.PacketType) func(rx) bool {
	return func(r rx) bool { return r.err == nil && r.Namespace == nsp && r.Type == t }
}

// isAckID matches an ACK or BINARY_ACK with id on namespace nsp.
func isAckID(nsp string, id int64) func(rx) bool {
	return func(r rx) bool { return r.isAck() && r.Namespace == nsp && r.ID == id }
}

// firstArg matches packets whose first argument is the JSON string s.
func firstArg(s string) func(rx) bool {
	return func(r rx) bool {
		args := r.args()
		var got string
		return len(args) > 0 && json.Unmarshal(args[0], &got) == nil && got == s
	}
}

func both(a, b func(rx) bool) func(rx) bool { return func(r rx) bool { return a(r) && b(r) } }

// sameJSON reports whether a and b are equal JSON values, ignoring
// whitespace and key order.
func sameJSON(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	ja, _ := json.Marshal(va) // maps marshal with sorted keys
	jb, _ := json.Marshal(vb)
	return bytes.Equal(ja, jb)
}

// mustJSON marshals values built by the cases themselves.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("socketio: marshal %T: %v", v, err)) // a bug in a case, never the target's doing
	}
	return b
}

// hexes shows attachments briefly: their sizes and first bytes.
func hexes(atts [][]byte) string {
	var out []string
	for _, a := range atts {
		s := fmt.Sprintf("%d bytes %x", len(a), a[:min(len(a), 12)])
		if len(a) > 12 {
			s += "…"
		}
		out = append(out, s)
	}
	return "[" + strings.Join(out, ", ") + "]"
}
