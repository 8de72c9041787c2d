package socketio_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	sio "github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// unwrap turns a Socket.IO packet as PROTOCOL.md writes it, inside its
// Engine.IO message ("42[...]"), into the Socket.IO text the codec sees.
func unwrap(t *testing.T, wire string) []byte {
	t.Helper()
	require.True(t, strings.HasPrefix(wire, "4"), "%q is not an Engine.IO message", wire)
	return []byte(wire[1:])
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string // PROTOCOL.md behaviour
		wire string // as on the wire, Engine.IO type byte included
		want sio.Packet
	}{
		{"SIO-1", `40`, sio.Packet{Type: sio.Connect, Namespace: "/", ID: sio.NoID}},
		{"SIO-2", `40{"token":"x"}`, sio.Packet{Type: sio.Connect, Namespace: "/", ID: sio.NoID, Data: raw(`{"token":"x"}`)}},
		{"SIO-2", `40{"sid":"oSO0OpakmV4pdxHSAAAB"}`, sio.Packet{Type: sio.Connect, Namespace: "/", ID: sio.NoID, Data: raw(`{"sid":"oSO0OpakmV4pdxHSAAAB"}`)}},
		{"SIO-1", `40/custom,`, sio.Packet{Type: sio.Connect, Namespace: "/custom", ID: sio.NoID}},
		{"SIO-1", `40/custom`, sio.Packet{Type: sio.Connect, Namespace: "/custom", ID: sio.NoID}},
		{"SIO-1", `40/custom,{"token":"x"}`, sio.Packet{Type: sio.Connect, Namespace: "/custom", ID: sio.NoID, Data: raw(`{"token":"x"}`)}},
		{"SIO-1", `40/,{}`, sio.Packet{Type: sio.Connect, Namespace: "/", ID: sio.NoID, Data: raw(`{}`)}},
		{"SIO-1", `40/a/b,`, sio.Packet{Type: sio.Connect, Namespace: "/a/b", ID: sio.NoID}},
		{"SIO-7", `41`, sio.Packet{Type: sio.Disconnect, Namespace: "/", ID: sio.NoID}},
		{"SIO-7", `41/nsp,`, sio.Packet{Type: sio.Disconnect, Namespace: "/nsp", ID: sio.NoID}},
		{"SIO-1", `42["ev",1]`, sio.Packet{Type: sio.Event, Namespace: "/", ID: sio.NoID, Data: raw(`["ev",1]`)}},
		{"SIO-1", `42 [ "ev" ]`, sio.Packet{Type: sio.Event, Namespace: "/", ID: sio.NoID, Data: raw(` [ "ev" ]`)}},
		{"SIO-4", `4212["ev"]`, sio.Packet{Type: sio.Event, Namespace: "/", ID: 12, Data: raw(`["ev"]`)}},
		{"SIO-4", `42/nsp,12["ev"]`, sio.Packet{Type: sio.Event, Namespace: "/nsp", ID: 12, Data: raw(`["ev"]`)}},
		{"SIO-4", `42/nsp,0["ev"]`, sio.Packet{Type: sio.Event, Namespace: "/nsp", ID: 0, Data: raw(`["ev"]`)}},
		{"SIO-4", `42123456789012345["ev"]`, sio.Packet{Type: sio.Event, Namespace: "/", ID: 123456789012345, Data: raw(`["ev"]`)}},
		{"SIO-1", `42["ünïcødé 🚀",{"a":[1,{"b":null}]}]`, sio.Packet{Type: sio.Event, Namespace: "/", ID: sio.NoID, Data: raw(`["ünïcødé 🚀",{"a":[1,{"b":null}]}]`)}},
		{"SIO-4", `4312[1,2]`, sio.Packet{Type: sio.Ack, Namespace: "/", ID: 12, Data: raw(`[1,2]`)}},
		{"AUTH-4", `43/nsp,7[]`, sio.Packet{Type: sio.Ack, Namespace: "/nsp", ID: 7, Data: raw(`[]`)}},
		{"SIO-3", `44/nsp,{"message":"Invalid namespace"}`, sio.Packet{Type: sio.ConnectError, Namespace: "/nsp", ID: sio.NoID, Data: raw(`{"message":"Invalid namespace"}`)}},
		{"SIO-3", `44/nsp,"Unable to connect"`, sio.Packet{Type: sio.ConnectError, Namespace: "/nsp", ID: sio.NoID, Data: raw(`"Unable to connect"`)}},
		{"AUTH-3", `44{"message":"Not authorized"}`, sio.Packet{Type: sio.ConnectError, Namespace: "/", ID: sio.NoID, Data: raw(`{"message":"Not authorized"}`)}},
		{"SIO-5", `451-["name",{"_placeholder":true,"num":0}]`, sio.Packet{Type: sio.BinaryEvent, Namespace: "/", ID: sio.NoID, Attachments: 1, Data: raw(`["name",{"_placeholder":true,"num":0}]`)}},
		{"SIO-5", `452-/up,9["f",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, sio.Packet{Type: sio.BinaryEvent, Namespace: "/up", ID: 9, Attachments: 2, Data: raw(`["f",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`)}},
		{"SIO-5", `450-["name"]`, sio.Packet{Type: sio.BinaryEvent, Namespace: "/", ID: sio.NoID, Data: raw(`["name"]`)}},
		{"SIO-5", `461-/nsp,3[{"_placeholder":true,"num":0}]`, sio.Packet{Type: sio.BinaryAck, Namespace: "/nsp", ID: 3, Attachments: 1, Data: raw(`[{"_placeholder":true,"num":0}]`)}},
		{"SIO-5", `4565536-["big"]`, sio.Packet{Type: sio.BinaryEvent, Namespace: "/", ID: sio.NoID, Attachments: 65536, Data: raw(`["big"]`)}},
	}
	for _, tc := range tests {
		t.Run(tc.id+" "+tc.wire, func(t *testing.T) {
			t.Parallel()
			in := unwrap(t, tc.wire)
			got, err := sio.Decode(in)
			require.NoError(t, err, "Decode(%q)", in)
			assert.Equal(t, tc.want, got, "Decode(%q)", in)

			// decode(encode(decode(x))) == decode(x), even where x is not canonical.
			again, err := sio.Decode(sio.Encode(got))
			require.NoError(t, err, "Decode(Encode(%+v))", got)
			assert.Equal(t, got, again, "round trip of %q", in)
		})
	}
}

func TestDecodeMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		name string
		wire string
	}{
		{"SIO-6", "empty", `4`},
		{"SIO-6", "unknown type 7", `47`},
		{"SIO-6", "unknown type 9", `49["ev"]`},
		{"SIO-6", "unknown type x", `4x`},
		{"SIO-6", "byte below 0", `4/`},
		{"SIO-6", "bad JSON", `42["ev"`},
		{"SIO-6", "bad JSON trailing comma", `42["ev",]`},
		{"SIO-6", "bad JSON object", `40{token}`},
		{"SIO-6", "trailing garbage", `42["ev"]x`},
		{"SIO-6", "event name a number", `42[1]`},
		{"SIO-6", "event name null", `42[null]`},
		{"SIO-6", "event name an object", `42[{"ev":1}]`},
		{"SIO-6", "event without name", `42[]`},
		{"SIO-6", "event payload an object", `42{"ev":1}`},
		{"SIO-6", "event payload a string", `42"ev"`},
		{"SIO-6", "event without payload", `42`},
		{"SIO-6", "event with ack id only", `4212`},
		{"SIO-6", "namespace without comma", `42/nsp["ev"]`},
		{"SIO-6", "disconnect with object", `41{}`},
		{"SIO-6", "disconnect with string", `41/nsp,"bye"`},
		{"SIO-6", "connect with array", `40[]`},
		{"SIO-6", "connect with string", `40"x"`},
		{"SIO-6", "connect with null", `40null`},
		{"SIO-6", "connect_error without payload", `44/nsp,`},
		{"SIO-6", "connect_error with array", `44["x"]`},
		{"SIO-6", "connect_error with number", `441`},
		{"SIO-6", "ack with object", `431{"a":1}`},
		{"SIO-6", "ack without payload", `431`},
		{"SIO-6", "binary without count", `45["ev",{"_placeholder":true,"num":0}]`},
		{"SIO-6", "binary without dash", `451["ev",{"_placeholder":true,"num":0}]`},
		{"SIO-6", "binary count ends input", `451`},
		{"SIO-6", "binary dash only", `45-["ev"]`},
		{"SIO-6", "binary ack without dash", `461/nsp,3[]`},
		{"SIO-6", "huge attachment count", `4565537-["ev"]`},
		{"SIO-6", "attachment count of 7 digits", `451000000-["ev"]`},
		{"SIO-6", "attachment count of 40 digits", `451234567890123456789012345678901234567890-["ev"]`},
		{"SIO-6", "binary event name not a string", `451-[{"_placeholder":true,"num":0}]`},
		{"SIO-6", "binary ack not an array", `461-{"_placeholder":true,"num":0}`},
		{"SIO-6", "ack id of 16 digits", `421234567890123456["ev"]`},
		{"SIO-6", "ack id of 30 digits", `43/nsp,123456789012345678901234567890[]`},
	}
	for _, tc := range tests {
		t.Run(tc.id+" "+tc.name, func(t *testing.T) {
			t.Parallel()
			in := unwrap(t, tc.wire)
			got, err := sio.Decode(in)
			require.Error(t, err, "Decode(%q) = %+v, want an error", in, got)
			assert.True(t, errors.Is(err, sio.ErrMalformed), "Decode(%q) error %v does not wrap ErrMalformed", in, err)
		})
	}
}

// SIO-1: the canonical wire form of each packet type.
func TestEncode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    sio.Packet
		want string
	}{
		{sio.Packet{Type: sio.Connect, ID: sio.NoID}, `0`},
		{sio.Packet{Type: sio.Connect, Namespace: "/", ID: sio.NoID, Data: raw(`{"token":"x"}`)}, `0{"token":"x"}`},
		{sio.Packet{Type: sio.Connect, Namespace: "/custom", ID: sio.NoID}, `0/custom,`},
		{sio.Packet{Type: sio.Disconnect, Namespace: "/nsp", ID: sio.NoID}, `1/nsp,`},
		{sio.Packet{Type: sio.Event, Namespace: "/", ID: sio.NoID, Data: raw(`["ev",1]`)}, `2["ev",1]`},
		{sio.Packet{Type: sio.Event, Namespace: "/nsp", ID: 12, Data: raw(`["ev"]`)}, `2/nsp,12["ev"]`},
		{sio.Packet{Type: sio.Ack, Namespace: "/", ID: 12, Data: raw(`[1,2]`)}, `312[1,2]`},
		{sio.Packet{Type: sio.Ack, ID: 0, Data: raw(`[]`)}, `30[]`},
		{sio.Packet{Type: sio.ConnectError, Namespace: "/nsp", ID: sio.NoID, Data: raw(`{"message":"Invalid namespace"}`)}, `4/nsp,{"message":"Invalid namespace"}`},
		{sio.Packet{Type: sio.BinaryEvent, Namespace: "/", ID: sio.NoID, Attachments: 1, Data: raw(`["name",{"_placeholder":true,"num":0}]`)}, `51-["name",{"_placeholder":true,"num":0}]`},
		{sio.Packet{Type: sio.BinaryAck, Namespace: "/nsp", ID: 3, Attachments: 1, Data: raw(`[{"_placeholder":true,"num":0}]`)}, `61-/nsp,3[{"_placeholder":true,"num":0}]`},
		{sio.Packet{Type: sio.BinaryEvent, ID: sio.NoID, Data: raw(`["name"]`)}, `50-["name"]`},
	}
	for _, tc := range tests {
		t.Run("SIO-1 "+tc.want, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, string(sio.Encode(tc.p)))
			assert.Equal(t, "4"+tc.want, string(sio.Append([]byte("4"), tc.p)), "Append must append to dst")
			got, err := sio.Decode([]byte(tc.want))
			require.NoError(t, err)
			want := tc.p
			if want.Namespace == "" {
				want.Namespace = "/"
			}
			assert.Equal(t, want, got)
		})
	}
}

func TestPacketType(t *testing.T) {
	t.Parallel()
	names := []string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"}
	for i, name := range names {
		typ := sio.PacketType(i)
		assert.Equal(t, name, typ.String())
		assert.Equal(t, typ == sio.BinaryEvent || typ == sio.BinaryAck, typ.IsBinary(), "%v.IsBinary()", typ)
	}
	assert.Equal(t, "PacketType(7)", sio.PacketType(7).String())
	assert.False(t, sio.PacketType(7).IsBinary())
}

func TestHasID(t *testing.T) {
	t.Parallel()
	assert.False(t, sio.Packet{ID: sio.NoID}.HasID())
	assert.True(t, sio.Packet{ID: 0}.HasID())
	assert.True(t, sio.Packet{ID: 42}.HasID())
}
