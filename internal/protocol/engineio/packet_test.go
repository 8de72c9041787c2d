package engineio_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

func TestDecodeText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string // PROTOCOL.md behaviour
		name string
		in   string
		want engineio.Packet
	}{
		{"EIO-4", "open", `0{"sid":"a"}`, engineio.Packet{Type: engineio.Open, Data: []byte(`{"sid":"a"}`)}},
		{"EIO-7", "close", "1", engineio.Packet{Type: engineio.Close, Data: []byte{}}},
		{"EIO-5", "ping", "2", engineio.Packet{Type: engineio.Ping, Data: []byte{}}},
		{"EIO-5", "pong", "3", engineio.Packet{Type: engineio.Pong, Data: []byte{}}},
		{"EIO-7", "message", "4hello", engineio.Packet{Type: engineio.Message, Data: []byte("hello")}},
		{"EIO-7", "empty message", "4", engineio.Packet{Type: engineio.Message, Data: []byte{}}},
		{"EIO-7", "socket.io event", `42["ev",1]`, engineio.Packet{Type: engineio.Message, Data: []byte(`2["ev",1]`)}},
		{"EIO-7", "upgrade", "5", engineio.Packet{Type: engineio.Upgrade, Data: []byte{}}},
		{"EIO-7", "noop", "6", engineio.Packet{Type: engineio.Noop, Data: []byte{}}},
		{"EIO-7", "probe ping", "2probe", engineio.Packet{Type: engineio.Ping, Data: []byte("probe")}},
		{"EIO-7", "probe pong", "3probe", engineio.Packet{Type: engineio.Pong, Data: []byte("probe")}},
		{"EIO-11", "binary", "bAQID", engineio.Packet{Type: engineio.Message, Data: []byte{1, 2, 3}, Binary: true}},
		{"EIO-11", "binary padded", "bAQIDBA==", engineio.Packet{Type: engineio.Message, Data: []byte{1, 2, 3, 4}, Binary: true}},
		{"EIO-11", "empty binary", "b", engineio.Packet{Type: engineio.Message, Data: []byte{}, Binary: true}},
	}
	for _, tc := range tests {
		t.Run(tc.id+" "+tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := engineio.DecodeText([]byte(tc.in))
			require.NoError(t, err)
			assert.Equal(t, tc.want, got, "DecodeText(%q)", tc.in)
			assert.Equal(t, tc.in, string(engineio.AppendText(nil, got)), "AppendText(DecodeText(%q))", tc.in)
		})
	}
}

func TestDecodeTextMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		name string
		in   string
	}{
		{"EIO-8", "empty", ""},
		{"EIO-15", "type 7", "7"},
		{"EIO-15", "type 9", "9hello"},
		{"EIO-15", "type x", "x"},
		{"EIO-15", "byte below 0", "/"},
		{"EIO-15", "high byte", "\xff"},
		{"EIO-15", "separator", "\x1e"},
		{"EIO-11", "bad base64", "b!!!!"},
		{"EIO-11", "truncated base64", "bAQ"},
		{"EIO-11", "base64 with space", "bAQ ID"},
	}
	for _, tc := range tests {
		t.Run(tc.id+" "+tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := engineio.DecodeText([]byte(tc.in))
			require.Error(t, err, "DecodeText(%q) = %+v, want an error", tc.in, got)
			assert.True(t, errors.Is(err, engineio.ErrMalformed), "DecodeText(%q) error %v does not wrap ErrMalformed", tc.in, err)
		})
	}
}

// EIO-7: every packet type survives AppendText then DecodeText.
func TestAppendTextRoundTrip(t *testing.T) {
	t.Parallel()
	for typ := engineio.Open; typ <= engineio.Noop; typ++ {
		for _, data := range []string{"", "probe", `2["ev",{"k":"v"}]`, "\x00\x1f ünï"} {
			p := engineio.Packet{Type: typ, Data: []byte(data)}
			wire := engineio.AppendText([]byte("prefix:"), p)
			require.Equal(t, "prefix:", string(wire[:7]), "AppendText must append to dst")
			got, err := engineio.DecodeText(wire[7:])
			require.NoError(t, err, "DecodeText(%q)", wire[7:])
			assert.Equal(t, p, got, "round trip of %v %q", typ, data)
		}
	}
	// EIO-11: a binary message becomes "b"+base64 and comes back as bytes.
	bin := engineio.DecodeBinary([]byte{0, 1, 0xfe, 0xff, 0x1e})
	assert.Equal(t, engineio.Packet{Type: engineio.Message, Data: []byte{0, 1, 0xfe, 0xff, 0x1e}, Binary: true}, bin)
	wire := engineio.AppendText(nil, bin)
	assert.Equal(t, "bAAH+/x4=", string(wire))
	got, err := engineio.DecodeText(wire)
	require.NoError(t, err)
	assert.Equal(t, bin, got)
}

func TestDecodePayload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		name string
		in   string
		want []engineio.Packet
	}{
		{"EIO-8", "one packet", "6", []engineio.Packet{{Type: engineio.Noop, Data: []byte{}}}},
		{"EIO-8", "two messages", "4hello\x1e4world", []engineio.Packet{
			{Type: engineio.Message, Data: []byte("hello")},
			{Type: engineio.Message, Data: []byte("world")},
		}},
		{"EIO-11", "text and binary", "4hello\x1ebAQID\x1e2", []engineio.Packet{
			{Type: engineio.Message, Data: []byte("hello")},
			{Type: engineio.Message, Data: []byte{1, 2, 3}, Binary: true},
			{Type: engineio.Ping, Data: []byte{}},
		}},
		{"EIO-11", "socket.io binary event", "451-[\"up\",{\"_placeholder\":true,\"num\":0}]\x1ebAQID", []engineio.Packet{
			{Type: engineio.Message, Data: []byte(`51-["up",{"_placeholder":true,"num":0}]`)},
			{Type: engineio.Message, Data: []byte{1, 2, 3}, Binary: true},
		}},
		{"EIO-8", "empty messages", "4\x1e4", []engineio.Packet{
			{Type: engineio.Message, Data: []byte{}},
			{Type: engineio.Message, Data: []byte{}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.id+" "+tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := engineio.DecodePayload([]byte(tc.in))
			require.NoError(t, err)
			assert.Equal(t, tc.want, got, "DecodePayload(%q)", tc.in)
			assert.Equal(t, tc.in, string(engineio.AppendPayload(nil, got)), "AppendPayload(DecodePayload(%q))", tc.in)
		})
	}
}

func TestDecodePayloadMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		name string
		in   string
	}{
		{"EIO-8", "empty body", ""},
		{"EIO-8", "lone separator", "\x1e"},
		{"EIO-8", "trailing separator", "4a\x1e"},
		{"EIO-8", "leading separator", "\x1e4a"},
		{"EIO-8", "double separator", "4a\x1e\x1e4b"},
		{"EIO-15", "unknown type in second record", "4a\x1e7"},
		{"EIO-15", "letter type", "4a\x1ex"},
		{"EIO-11", "bad base64 record", "4a\x1eb***"},
	}
	for _, tc := range tests {
		t.Run(tc.id+" "+tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := engineio.DecodePayload([]byte(tc.in))
			require.Error(t, err, "DecodePayload(%q) = %+v, want an error", tc.in, got)
			assert.True(t, errors.Is(err, engineio.ErrMalformed), "DecodePayload(%q) error %v does not wrap ErrMalformed", tc.in, err)
			assert.Nil(t, got, "no packets on error")
		})
	}
}

// EIO-8: packets alias the body, but appending to one cannot overwrite the
// records after it.
func TestDecodePayloadCapsRecords(t *testing.T) {
	t.Parallel()
	body := []byte("4ab\x1e4cd")
	pkts, err := engineio.DecodePayload(body)
	require.NoError(t, err)
	require.Len(t, pkts, 2)
	_ = append(pkts[0].Data, "XYZ"...)
	assert.Equal(t, "4ab\x1e4cd", string(body))
	assert.Equal(t, "cd", string(pkts[1].Data))
}

// EIO-8: AppendPayload joins with \x1e and appends to dst.
func TestAppendPayload(t *testing.T) {
	t.Parallel()
	pkts := []engineio.Packet{
		{Type: engineio.Message, Data: []byte(`2["ev"]`)},
		engineio.DecodeBinary([]byte("hi")),
		{Type: engineio.Close},
	}
	assert.Equal(t, "x4"+`2["ev"]`+"\x1ebaGk=\x1e1", string(engineio.AppendPayload([]byte("x"), pkts)))
	assert.Empty(t, engineio.AppendPayload(nil, nil))
}

func TestPacketType(t *testing.T) {
	t.Parallel()
	names := []string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}
	for i, name := range names {
		typ := engineio.PacketType(i)
		assert.Equal(t, name, typ.String())
		assert.True(t, typ.Valid(), "%v.Valid()", typ)
	}
	// EIO-15: a type outside 0–6 is not valid.
	assert.False(t, engineio.PacketType(7).Valid())
	assert.Equal(t, "PacketType(7)", engineio.PacketType(7).String())
	assert.Equal(t, "PacketType(255)", engineio.PacketType(255).String())
}

// EIO-9: only "2probe"/"3probe" text packets are probes.
func TestIsProbe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    engineio.Packet
		want bool
	}{
		{engineio.Packet{Type: engineio.Ping, Data: []byte("probe")}, true},
		{engineio.Packet{Type: engineio.Pong, Data: []byte("probe")}, true},
		{engineio.Packet{Type: engineio.Ping}, false},
		{engineio.Packet{Type: engineio.Message, Data: []byte("probe")}, false},
		{engineio.Packet{Type: engineio.Upgrade, Data: []byte("probe")}, false},
		{engineio.Packet{Type: engineio.Ping, Data: []byte("probe!")}, false},
		{engineio.DecodeBinary([]byte("probe")), false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.p.IsProbe(), "%+v.IsProbe()", tc.p)
	}
}
