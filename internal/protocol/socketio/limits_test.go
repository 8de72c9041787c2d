package socketio_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	sio "github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// LIM-1: a packet announcing more than MaxAttachments is refused at its
// header; attachments together over MaxBytes are refused at the one that
// passes it, and Budget says what is left for the next read.
func TestDecoderAttachmentLimits(t *testing.T) {
	t.Parallel()
	lim := &sio.Limits{MaxAttachments: 2, MaxBytes: 10}
	d := sio.Decoder{Limits: lim}
	_, _, err := d.DecodeText([]byte(`53-["x",{"_placeholder":true,"num":0}]`))
	assert.ErrorIs(t, err, sio.ErrAttachmentLimit, "3 announced, at most 2")
	assert.ErrorIs(t, err, sio.ErrMalformed)
	assert.Equal(t, -1, d.Budget(), "nothing awaited")

	_, ok, err := d.DecodeText([]byte(`52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`))
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Equal(t, 10, d.Budget())
	_, _, err = d.DecodeBinary(make([]byte, 6))
	require.NoError(t, err)
	assert.Equal(t, 4, d.Budget())
	_, _, err = d.DecodeBinary(make([]byte, 5))
	assert.ErrorIs(t, err, sio.ErrAttachmentLimit, "6+5 bytes, at most 10")
	assert.Zero(t, d.Awaiting(), "the half packet is dropped")
	assert.Same(t, lim, d.Limits, "Reset keeps the limits")

	// Exactly at both limits is delivered.
	_, _, err = d.DecodeText([]byte(`52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`))
	require.NoError(t, err)
	_, _, err = d.DecodeBinary(make([]byte, 4))
	require.NoError(t, err)
	m, ok, err := d.DecodeBinary(make([]byte, 6))
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Len(t, m.Attachments, 2)
	assert.Equal(t, -1, d.Budget())

	// Without Limits (the no-attachment-limit fault): the codec's own bound only.
	var loose sio.Decoder
	_, _, err = loose.DecodeText([]byte(`5999-["x"]`))
	assert.NoError(t, err)
	assert.Equal(t, -1, loose.Budget())
}

// LIM-2: with CheckPlaceholders, a placeholder whose num is not an integer
// in [0, announced) is refused on receipt, before any attachment.
func TestDecoderPlaceholderCheck(t *testing.T) {
	t.Parallel()
	bad := []string{
		`451-["x",{"_placeholder":true,"num":-1}]`,
		`451-["x",{"_placeholder":true,"num":1}]`,
		`451-["x",{"_placeholder":true,"num":99999999}]`,
		`451-["x",{"_placeholder":true,"num":0.5}]`,
		`451-["x",{"_placeholder":true,"num":"0"}]`,
		`451-["x",{"_placeholder":true}]`,
		`450-["x",{"_placeholder":true,"num":0}]`,
		`461-/echo,3[{"\u005fplaceholder":true,"num":7}]`,
	}
	for _, in := range bad {
		d := sio.Decoder{Limits: &sio.Limits{CheckPlaceholders: true}}
		_, _, err := d.DecodeText([]byte(in[1:]))
		assert.ErrorIs(t, err, sio.ErrBadPlaceholder, in)
		assert.ErrorIs(t, err, sio.ErrMalformed, in)

		unchecked := sio.Decoder{Limits: &sio.Limits{}} // the no-placeholder-check fault
		_, _, err = unchecked.DecodeText([]byte(in[1:]))
		assert.NoError(t, err, "unchecked: %s", in)
	}
	good := []string{
		`51-["x",{"_placeholder":true,"num":0}]`,
		`52-["x",{"a":[{"_placeholder":true,"num":1}]},{"_placeholder":true,"num":0}]`,
		`52-["x",{"_placeholder":true,"num":0}]`, // an attachment no placeholder names is allowed, as in Node
		`2["x",{"_placeholder":true,"num":9}]`,   // not a binary packet: plain JSON
	}
	for _, in := range good {
		d := sio.Decoder{Limits: &sio.Limits{CheckPlaceholders: true}}
		_, _, err := d.DecodeText([]byte(in))
		assert.NoError(t, err, in)
	}
}
