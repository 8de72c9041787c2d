package socketio_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	sio "github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// frame is one Engine.IO message fed to a Decoder: text, or a binary attachment.
type frame struct {
	text   string
	binary []byte
}

// step is what the Decoder must answer to one frame.
type step struct {
	in      frame
	ok      bool
	err     error // nil, ErrUnexpectedText, ErrUnexpectedBinary or ErrMalformed
	waiting int   // Awaiting() afterwards
	want    *sio.Message
}

func TestDecoder(t *testing.T) {
	t.Parallel()
	a, b := []byte{1, 2, 3}, []byte{0xff, 0x00}
	tests := []struct {
		id    string
		name  string
		steps []step
	}{
		{"SIO-1", "text event is delivered at once", []step{
			{in: frame{text: `2["ev",1]`}, ok: true, want: &sio.Message{Packet: sio.Packet{Type: sio.Event, Namespace: "/", ID: sio.NoID, Data: raw(`["ev",1]`)}}},
		}},
		{"SIO-5", "one attachment", []step{
			{in: frame{text: `51-["name",{"_placeholder":true,"num":0}]`}, waiting: 1},
			{in: frame{binary: a}, ok: true, want: &sio.Message{
				Packet:      sio.Packet{Type: sio.BinaryEvent, Namespace: "/", ID: sio.NoID, Attachments: 1, Data: raw(`["name",{"_placeholder":true,"num":0}]`)},
				Attachments: [][]byte{a},
			}},
		}},
		{"SIO-5", "binary ack with two attachments", []step{
			{in: frame{text: `62-/nsp,3[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]`}, waiting: 2},
			{in: frame{binary: a}, waiting: 1},
			{in: frame{binary: b}, ok: true, want: &sio.Message{
				Packet:      sio.Packet{Type: sio.BinaryAck, Namespace: "/nsp", ID: 3, Attachments: 2, Data: raw(`[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]`)},
				Attachments: [][]byte{a, b},
			}},
		}},
		{"SIO-5", "zero attachments is delivered at once", []step{
			{in: frame{text: `50-["ev"]`}, ok: true, want: &sio.Message{Packet: sio.Packet{Type: sio.BinaryEvent, Namespace: "/", ID: sio.NoID, Data: raw(`["ev"]`)}}},
		}},
		{"SIO-6", "text while awaiting binary", []step{
			{in: frame{text: `51-["name",{"_placeholder":true,"num":0}]`}, waiting: 1},
			{in: frame{text: `2["ev"]`}, err: sio.ErrUnexpectedText},
			// The half-received packet is dropped; the decoder is usable again.
			{in: frame{text: `2["ev"]`}, ok: true, want: &sio.Message{Packet: sio.Packet{Type: sio.Event, Namespace: "/", ID: sio.NoID, Data: raw(`["ev"]`)}}},
		}},
		{"SIO-6", "binary without a binary packet", []step{
			{in: frame{binary: a}, err: sio.ErrUnexpectedBinary},
		}},
		{"SIO-6", "more attachments than announced", []step{
			{in: frame{text: `51-["name",{"_placeholder":true,"num":0}]`}, waiting: 1},
			{in: frame{binary: a}, ok: true, want: &sio.Message{
				Packet:      sio.Packet{Type: sio.BinaryEvent, Namespace: "/", ID: sio.NoID, Attachments: 1, Data: raw(`["name",{"_placeholder":true,"num":0}]`)},
				Attachments: [][]byte{a},
			}},
			{in: frame{binary: b}, err: sio.ErrUnexpectedBinary},
		}},
		{"SIO-6", "malformed text", []step{
			{in: frame{text: `2[1]`}, err: sio.ErrMalformed},
			{in: frame{text: `51["x"]`}, err: sio.ErrMalformed},
		}},
	}
	for _, tc := range tests {
		for _, held := range []bool{false, true} { // a Decoder of its own, or one held by DecodeHeld
			name := tc.id + " " + tc.name
			if held {
				name += " (DecodeHeld)"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				var d sio.Decoder
				var h *sio.Decoder
				for i, s := range tc.steps {
					var (
						msg      sio.Message
						ok       bool
						err      error
						awaiting int
					)
					switch {
					case held:
						data := []byte(s.in.text)
						if s.in.binary != nil {
							data = s.in.binary
						}
						msg, ok, err = sio.DecodeHeld(&h, nil, data, s.in.binary != nil)
						assert.Equal(t, s.waiting > 0, h != nil, "step %d: a decoder is held only while attachments are awaited", i)
						if h != nil {
							awaiting = h.Awaiting()
						}
					case s.in.binary != nil:
						msg, ok, err = d.DecodeBinary(s.in.binary)
						awaiting = d.Awaiting()
					default:
						msg, ok, err = d.DecodeText([]byte(s.in.text))
						awaiting = d.Awaiting()
					}
					if s.err != nil {
						require.Error(t, err, "step %d", i)
						assert.True(t, errors.Is(err, s.err), "step %d: error %v, want %v", i, err, s.err)
						assert.True(t, errors.Is(err, sio.ErrMalformed), "step %d: error %v does not wrap ErrMalformed", i, err)
					} else {
						require.NoError(t, err, "step %d", i)
					}
					assert.Equal(t, s.ok, ok, "step %d: ok", i)
					assert.Equal(t, s.waiting, awaiting, "step %d: Awaiting()", i)
					if s.want != nil {
						assert.Equal(t, *s.want, msg, "step %d: message", i)
					}
				}
			})
		}
	}
}

// DecodeHeld gives a fresh decoder the limits (LIM-1 counts on them), and
// decodes a plain packet with none held without allocating a decoder.
func TestDecodeHeldLimitsAndAllocations(t *testing.T) {
	var h *sio.Decoder
	limits := &sio.Limits{MaxAttachments: 1}
	_, _, err := sio.DecodeHeld(&h, limits, []byte(`52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`), false)
	assert.ErrorIs(t, err, sio.ErrMalformed, "two attachments over a limit of one")
	assert.Nil(t, h)

	_, _, err = sio.DecodeHeld(&h, limits, []byte(`51-["x",{"_placeholder":true,"num":0}]`), false)
	require.NoError(t, err)
	require.NotNil(t, h)
	assert.Same(t, limits, h.Limits, "the held decoder keeps the limits")

	text := []byte(`2["ev",1]`)
	var none *sio.Decoder
	allocs := testing.AllocsPerRun(100, func() { _, _, _ = sio.DecodeHeld(&none, limits, text, false) })
	assert.Zero(t, allocs, "a plain packet needs no decoder on the heap")
}

// SIO-5: Reset drops a half-received packet.
func TestDecoderReset(t *testing.T) {
	t.Parallel()
	var d sio.Decoder
	_, ok, err := d.DecodeText([]byte(`52-["f",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`))
	require.NoError(t, err)
	require.False(t, ok)
	_, _, err = d.DecodeBinary([]byte{1})
	require.NoError(t, err)
	assert.Equal(t, 1, d.Awaiting())
	d.Reset()
	assert.Equal(t, 0, d.Awaiting())
	_, _, err = d.DecodeBinary([]byte{2})
	assert.ErrorIs(t, err, sio.ErrUnexpectedBinary)
}

// SIO-5: the header of a binary packet survives the caller reusing its read
// buffer while the attachments are on their way.
func TestDecoderCopiesPendingHeader(t *testing.T) {
	t.Parallel()
	var d sio.Decoder
	buf := []byte(`51-["name",{"_placeholder":true,"num":0}]`)
	_, ok, err := d.DecodeText(buf)
	require.NoError(t, err)
	require.False(t, ok)
	copy(buf, "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX")
	msg, ok, err := d.DecodeBinary([]byte{7})
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, `["name",{"_placeholder":true,"num":0}]`, string(msg.Data))
}

// SIO-5: a decoded binary event, with its attachments put back in place.
func TestDecoderReconstruct(t *testing.T) {
	t.Parallel()
	var d sio.Decoder
	_, _, err := d.DecodeText([]byte(`51-["name",{"_placeholder":true,"num":0}]`))
	require.NoError(t, err)
	msg, ok, err := d.DecodeBinary([]byte("bytes"))
	require.NoError(t, err)
	require.True(t, ok)
	got, err := sio.Reconstruct(msg.Data, msg.Attachments)
	require.NoError(t, err)
	assert.Equal(t, []any{"name", []byte("bytes")}, got)
}

func TestReconstruct(t *testing.T) {
	t.Parallel()
	a, b := []byte{1}, []byte{2, 2}
	tests := []struct {
		id   string
		name string
		data string
		atts [][]byte
		want any
	}{
		{"SIO-5", "event", `["name",{"_placeholder":true,"num":0}]`, [][]byte{a}, []any{"name", a}},
		{"SIO-5", "ack", `[{"_placeholder":true,"num":0}]`, [][]byte{a}, []any{a}},
		{"SIO-5", "nested, out of order, reused", `["f",{"x":{"_placeholder":true,"num":1},"y":[1,{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]}]`, [][]byte{a, b},
			[]any{"f", map[string]any{"x": b, "y": []any{1.0, a, b}}}},
		{"SIO-5", "not a placeholder", `[{"_placeholder":false,"num":0},{"_placeholder":"true","num":0}]`, nil,
			[]any{map[string]any{"_placeholder": false, "num": 0.0}, map[string]any{"_placeholder": "true", "num": 0.0}}},
		{"SIO-5", "no attachments", `{"a":[null,true,"s"]}`, nil, map[string]any{"a": []any{nil, true, "s"}}},
		{"SIO-5", "scalar", `3`, nil, 3.0},
	}
	for _, tc := range tests {
		t.Run(tc.id+" "+tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := sio.Reconstruct(raw(tc.data), tc.atts)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestReconstructMalformed(t *testing.T) {
	t.Parallel()
	one := [][]byte{{1}}
	tests := []struct {
		name string
		data string
		atts [][]byte
		want error
	}{
		{"placeholder beyond the attachments", `["n",{"_placeholder":true,"num":1}]`, one, sio.ErrBadPlaceholder},
		{"placeholder with no attachments", `["n",{"_placeholder":true,"num":0}]`, nil, sio.ErrBadPlaceholder},
		{"negative num", `["n",{"_placeholder":true,"num":-1}]`, one, sio.ErrBadPlaceholder},
		{"fractional num", `["n",{"_placeholder":true,"num":0.5}]`, one, sio.ErrBadPlaceholder},
		{"huge num", `["n",{"_placeholder":true,"num":1e300}]`, one, sio.ErrBadPlaceholder},
		{"2^63 num", `["n",{"_placeholder":true,"num":9223372036854775808}]`, one, sio.ErrBadPlaceholder},
		{"string num", `["n",{"_placeholder":true,"num":"0"}]`, one, sio.ErrBadPlaceholder},
		{"missing num", `["n",{"_placeholder":true}]`, one, sio.ErrBadPlaceholder},
		{"deep", `{"a":{"b":[[{"_placeholder":true,"num":5}]]}}`, one, sio.ErrBadPlaceholder},
		{"bad JSON", `["n",{"_placeholder":true,"num":0}`, one, sio.ErrMalformed},
		{"empty", ``, one, sio.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run("SIO-6 "+tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := sio.Reconstruct(raw(tc.data), tc.atts)
			require.Error(t, err, "Reconstruct(%s) = %v", tc.data, got)
			assert.ErrorIs(t, err, tc.want)
			assert.ErrorIs(t, err, sio.ErrMalformed)
		})
	}
}

func TestDeconstruct(t *testing.T) {
	t.Parallel()
	// SIO-5: the placeholder form Node's socket.io-parser writes.
	data, atts, err := sio.Deconstruct([]any{"name", []byte{1, 2}})
	require.NoError(t, err)
	assert.JSONEq(t, `["name",{"_placeholder":true,"num":0}]`, string(data))
	assert.Equal(t, `["name",{"_placeholder":true,"num":0}]`, string(data))
	assert.Equal(t, [][]byte{{1, 2}}, atts)

	// No binary: plain JSON and no attachments.
	data, atts, err = sio.Deconstruct([]any{"name", map[string]any{"a": 1.5}})
	require.NoError(t, err)
	assert.Equal(t, `["name",{"a":1.5}]`, string(data))
	assert.Empty(t, atts)

	// json.RawMessage is JSON, not binary.
	data, atts, err = sio.Deconstruct([]any{"name", json.RawMessage(`{"a":1}`)})
	require.NoError(t, err)
	assert.Equal(t, `["name",{"a":1}]`, string(data))
	assert.Empty(t, atts)

	// SIO-6: a value JSON cannot hold.
	_, _, err = sio.Deconstruct([]any{"name", make(chan int)})
	assert.ErrorIs(t, err, sio.ErrMalformed)

	// A cyclic value is an error, not a stack overflow.
	cyclic := map[string]any{"b": []byte{1}}
	cyclic["self"] = []any{cyclic}
	_, _, err = sio.Deconstruct([]any{"name", cyclic})
	assert.ErrorIs(t, err, sio.ErrMalformed)
}

// SIO-5: Reconstruct(Deconstruct(v)) gives v back, whatever the nesting.
func TestDeconstructRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		v     any
		nAtts int
	}{
		{"event", []any{"up", []byte("file")}, 1},
		{"nested maps and slices", []any{"up", map[string]any{
			"file": []byte{0, 1, 2},
			"meta": map[string]any{"parts": []any{[]byte{3}, "x", []any{[]byte{}, nil}}},
			"n":    2.0,
		}}, 3},
		{"top-level bytes", []byte{9}, 1},
		{"no binary", map[string]any{"a": []any{true, "s", 1.0}}, 0},
	}
	for _, tc := range tests {
		t.Run("SIO-5 "+tc.name, func(t *testing.T) {
			t.Parallel()
			data, atts, err := sio.Deconstruct(tc.v)
			require.NoError(t, err)
			assert.Len(t, atts, tc.nAtts)
			got, err := sio.Reconstruct(data, atts)
			require.NoError(t, err)
			assert.Equal(t, tc.v, got)
		})
	}
}

// SIO-5: attachments are numbered in the order their placeholders appear on
// the wire (map keys sorted, as encoding/json writes them), every time.
func TestDeconstructStableOrder(t *testing.T) {
	t.Parallel()
	v := []any{"ev", map[string]any{"z": []byte("Z"), "a": []byte("A"), "m": []byte("M")}}
	for range 20 {
		data, atts, err := sio.Deconstruct(v)
		require.NoError(t, err)
		assert.Equal(t, `["ev",{"a":{"_placeholder":true,"num":0},"m":{"_placeholder":true,"num":1},"z":{"_placeholder":true,"num":2}}]`, string(data))
		assert.Equal(t, [][]byte{[]byte("A"), []byte("M"), []byte("Z")}, atts)
	}
}

// SIO-5: HasBinary finds []byte exactly where Deconstruct replaces it.
func TestHasBinary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    any
		want bool
	}{
		{[]any{"ev", 1, "x"}, false},
		{[]any{"ev", []byte{1}}, true},
		{[]any{"ev", map[string]any{"a": []any{map[string]any{"b": []byte{}}}}}, true},
		{map[string]any{"a": "b"}, false},
		{[][]byte{{1}}, false}, // not looked into, as Deconstruct does not
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, sio.HasBinary(tt.v), "%#v", tt.v)
		_, atts, err := sio.Deconstruct(tt.v)
		require.NoError(t, err)
		assert.Equal(t, tt.want, len(atts) > 0, "agrees with Deconstruct: %#v", tt.v)
	}
}
