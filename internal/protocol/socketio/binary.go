package socketio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// Message is a decoded packet together with its binary attachments, in
// placeholder order.
type Message struct {
	Packet
	Attachments [][]byte
}

// Errors of the attachment state machine (SIO-6).
var (
	ErrUnexpectedText   = fmt.Errorf("%w: text packet while binary attachments are awaited", ErrMalformed)
	ErrUnexpectedBinary = fmt.Errorf("%w: binary attachment without a binary packet", ErrMalformed)
	// ErrAttachmentLimit is wrapped by the errors of Limits (LIM-1).
	ErrAttachmentLimit = fmt.Errorf("%w: over the attachment limit", ErrMalformed)
)

// Limits bound what one connection can make a Decoder hold (LIM-1) and
// what it accepts as placeholders (LIM-2). A nil *Limits keeps only the
// codec's own bound of 65,536 attachments per packet.
type Limits struct {
	// MaxAttachments is how many attachments one packet may announce;
	// 0 means the codec's bound.
	MaxAttachments int
	// MaxBytes bounds the attachments of one packet together; 0: no bound.
	MaxBytes int
	// CheckPlaceholders refuses, on receipt, a binary packet with a
	// placeholder whose num is not an integer in [0, announced) (LIM-2).
	CheckPlaceholders bool
}

// Decoder reassembles binary packets from one connection's stream of text and
// binary Engine.IO messages (SIO-5). Not safe for concurrent use.
type Decoder struct {
	Limits *Limits // may be shared by many decoders; nil: no limits

	pending Message // the binary packet being reassembled, when waiting
	waiting bool
	size    int // bytes of pending's attachments so far
}

// Awaiting reports how many attachments the decoder still expects.
func (d *Decoder) Awaiting() int {
	if !d.waiting {
		return 0
	}
	return d.pending.Packet.Attachments - len(d.pending.Attachments)
}

// Budget is how many bytes the attachments still awaited may take together
// under Limits.MaxBytes, or -1 when nothing bounds them (no packet awaits
// attachments, or no MaxBytes). A transport can cap its next read with it.
func (d *Decoder) Budget() int {
	if !d.waiting || d.Limits == nil || d.Limits.MaxBytes <= 0 {
		return -1
	}
	return max(d.Limits.MaxBytes-d.size, 0)
}

// DecodeHeld feeds one message (binary: an attachment frame) to *held, the
// decoder of a connection that keeps one only while a binary packet awaits
// its attachments (SIO-5): with none held, a fresh decoder with limits
// decodes on the stack, and moves to *held only when a binary packet
// starts. The 112 bytes of a Decoder would otherwise sit in every idle
// connection, of the refserver and of the simulator's clients alike.
func DecodeHeld(held **Decoder, limits *Limits, data []byte, binary bool) (msg Message, ok bool, err error) {
	var fresh Decoder
	d := *held
	if d == nil {
		fresh.Limits = limits
		d = &fresh
	}
	if binary {
		msg, ok, err = d.DecodeBinary(data)
	} else {
		msg, ok, err = d.DecodeText(data)
	}
	switch {
	case d.Awaiting() == 0:
		*held = nil
	case d == &fresh:
		*held = new(Decoder)
		**held = fresh
	}
	return msg, ok, err
}

// DecodeText feeds a text message. It returns ok=false while a binary packet
// still awaits attachments. A delivered message's Data aliases s; a binary
// packet kept until its attachments arrive is copied, so s may be reused.
func (d *Decoder) DecodeText(s []byte) (msg Message, ok bool, err error) {
	if d.waiting {
		d.Reset()
		return Message{}, false, ErrUnexpectedText
	}
	p, err := Decode(s)
	if err != nil {
		return Message{}, false, err
	}
	if p.Type.IsBinary() {
		if err := d.checkBinary(p); err != nil {
			return Message{}, false, err
		}
	}
	if p.Type.IsBinary() && p.Attachments > 0 {
		p.Data = bytes.Clone(p.Data) // held across calls: the caller may reuse s
		d.pending = Message{Packet: p, Attachments: make([][]byte, 0, min(p.Attachments, 16))}
		d.waiting = true
		return Message{}, false, nil
	}
	return Message{Packet: p}, true, nil
}

// checkBinary applies Limits to a binary packet's header and placeholders.
func (d *Decoder) checkBinary(p Packet) error {
	l := d.Limits
	if l == nil {
		return nil
	}
	if l.MaxAttachments > 0 && p.Attachments > l.MaxAttachments {
		return fmt.Errorf("%w: %d attachments announced, at most %d", ErrAttachmentLimit, p.Attachments, l.MaxAttachments)
	}
	if l.CheckPlaceholders && mayHavePlaceholder(p.Data) {
		// Reconstruct with empty attachments checks every placeholder
		// exactly as delivery will.
		if _, err := Reconstruct(p.Data, make([][]byte, p.Attachments)); err != nil {
			return err
		}
	}
	return nil
}

// mayHavePlaceholder is false when data cannot hold a placeholder: neither
// the key nor a JSON escape that could spell it.
func mayHavePlaceholder(data []byte) bool {
	return bytes.Contains(data, []byte("_placeholder")) || bytes.Contains(data, []byte(`\u`))
}

// DecodeBinary feeds one binary attachment. The decoder keeps b; the caller
// must not reuse it.
func (d *Decoder) DecodeBinary(b []byte) (msg Message, ok bool, err error) {
	if !d.waiting {
		return Message{}, false, ErrUnexpectedBinary
	}
	d.size += len(b)
	if l := d.Limits; l != nil && l.MaxBytes > 0 && d.size > l.MaxBytes {
		d.Reset()
		return Message{}, false, fmt.Errorf("%w: attachments over %d bytes", ErrAttachmentLimit, l.MaxBytes)
	}
	d.pending.Attachments = append(d.pending.Attachments, b)
	if len(d.pending.Attachments) < d.pending.Packet.Attachments {
		return Message{}, false, nil
	}
	m := d.pending
	d.Reset()
	return m, true, nil
}

// Reset drops a half-received binary packet; Limits stay.
func (d *Decoder) Reset() { *d = Decoder{Limits: d.Limits} }

// placeholder is the JSON form of an attachment's place (SIO-5).
type placeholder struct {
	Placeholder bool `json:"_placeholder"`
	Num         int  `json:"num"`
}

// ErrBadPlaceholder means a placeholder names an attachment that is missing
// (LIM-2).
var ErrBadPlaceholder = fmt.Errorf("%w: placeholder without attachment", ErrMalformed)

// Reconstruct decodes data into Go values (as encoding/json does into any)
// with each placeholder replaced by its attachment as []byte.
func Reconstruct(data json.RawMessage, attachments [][]byte) (any, error) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, malformed("payload: %v", err)
	}
	return fill(v, attachments)
}

func fill(v any, atts [][]byte) (any, error) {
	switch x := v.(type) {
	case []any:
		for i := range x {
			var err error
			if x[i], err = fill(x[i], atts); err != nil {
				return nil, err
			}
		}
	case map[string]any:
		if ph, ok := x["_placeholder"].(bool); ok && ph {
			n, ok := x["num"].(float64)
			if !ok || n < 0 || int(n) >= len(atts) || float64(int(n)) != n {
				return nil, ErrBadPlaceholder
			}
			return atts[int(n)], nil
		}
		for k, e := range x {
			var err error
			if x[k], err = fill(e, atts); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

// Deconstruct replaces every []byte inside v (maps, slices and arrays of any)
// with a placeholder and returns the JSON and the attachments in order.
func Deconstruct(v any) (json.RawMessage, [][]byte, error) {
	var atts [][]byte
	stripped, err := strip(v, &atts, 0)
	if err != nil {
		return nil, nil, err
	}
	data, err := json.Marshal(stripped)
	if err != nil {
		return nil, nil, errors.Join(ErrMalformed, err)
	}
	return data, atts, nil
}

// maxDepth bounds strip's recursion, as encoding/json bounds decoding, so
// that a cyclic value is an error instead of a fatal stack overflow.
const maxDepth = 10000

func strip(v any, atts *[][]byte, depth int) (any, error) {
	if depth > maxDepth {
		return nil, malformed("value nested deeper than %d (a cycle?)", maxDepth)
	}
	var err error
	switch x := v.(type) {
	case []byte:
		*atts = append(*atts, x)
		return placeholder{Placeholder: true, Num: len(*atts) - 1}, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			if out[i], err = strip(e, atts, depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		// Keys in sorted order, as encoding/json writes them, so that
		// attachments are numbered in wire order and the output is stable.
		out := make(map[string]any, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if out[k], err = strip(x[k], atts, depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}

// HasBinary reports whether v holds a []byte where Deconstruct looks for one
// (directly, or inside []any and map[string]any), so that callers can skip
// Deconstruct's copy for the common all-JSON payload.
func HasBinary(v any) bool {
	switch x := v.(type) {
	case []byte:
		return true
	case []any:
		for _, e := range x {
			if HasBinary(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if HasBinary(e) {
				return true
			}
		}
	}
	return false
}
