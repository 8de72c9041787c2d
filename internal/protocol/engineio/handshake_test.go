package engineio_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// EIO-4: the OPEN packet's exact wire form, defaults included.
func TestOpenPacket(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		info engineio.OpenInfo
		want string
	}{
		{
			name: "defaults, websocket only",
			info: engineio.OpenInfo{SID: "abc", PingInterval: 25000, PingTimeout: 20000, MaxPayload: 1000000},
			want: `0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`,
		},
		{
			name: "polling with upgrade",
			info: engineio.OpenInfo{SID: "s-1", Upgrades: []string{engineio.TransportWebsocket}, PingInterval: 300, PingTimeout: 200, MaxPayload: 1e6},
			want: `0{"sid":"s-1","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}`,
		},
	}
	for _, tc := range tests {
		t.Run("EIO-4 "+tc.name, func(t *testing.T) {
			t.Parallel()
			p := engineio.OpenPacket(tc.info)
			assert.Equal(t, tc.want, string(engineio.AppendText(nil, p)))

			got, err := engineio.ParseOpen(p)
			require.NoError(t, err)
			want := tc.info
			if want.Upgrades == nil {
				want.Upgrades = []string{}
			}
			assert.Equal(t, want, got)
		})
	}
}

func TestParseOpen(t *testing.T) {
	t.Parallel()
	// EIO-4: a server's OPEN as received on the wire, with a field we ignore.
	p, err := engineio.DecodeText([]byte(`0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000,"extra":true}`))
	require.NoError(t, err)
	got, err := engineio.ParseOpen(p)
	require.NoError(t, err)
	assert.Equal(t, engineio.OpenInfo{
		SID:          "lv_VI97HAXpY6yYWAAAC",
		Upgrades:     []string{"websocket"},
		PingInterval: 25000,
		PingTimeout:  5000,
		MaxPayload:   1000000,
	}, got)
}

func TestParseOpenMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    engineio.Packet
	}{
		{"not an open packet", engineio.Packet{Type: engineio.Message, Data: []byte(`{"sid":"a"}`)}},
		{"binary", engineio.Packet{Type: engineio.Open, Data: []byte(`{"sid":"a"}`), Binary: true}},
		{"no body", engineio.Packet{Type: engineio.Open}},
		{"bad JSON", engineio.Packet{Type: engineio.Open, Data: []byte(`{"sid":`)}},
		{"array", engineio.Packet{Type: engineio.Open, Data: []byte(`["a"]`)}},
		{"missing sid", engineio.Packet{Type: engineio.Open, Data: []byte(`{"pingInterval":25000}`)}},
		{"empty sid", engineio.Packet{Type: engineio.Open, Data: []byte(`{"sid":""}`)}},
		{"null", engineio.Packet{Type: engineio.Open, Data: []byte(`null`)}},
		{"string interval", engineio.Packet{Type: engineio.Open, Data: []byte(`{"sid":"a","pingInterval":"25000"}`)}},
	}
	for _, tc := range tests {
		t.Run("EIO-4 "+tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := engineio.ParseOpen(tc.p)
			require.Error(t, err, "ParseOpen(%+v)", tc.p)
			assert.True(t, errors.Is(err, engineio.ErrMalformed), "error %v does not wrap ErrMalformed", err)
		})
	}
}

// EIO-2, EIO-3: Node's error bodies and statuses, byte for byte.
func TestErrorCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id     string
		code   engineio.ErrorCode
		body   string
		status int
	}{
		{"EIO-3", engineio.UnknownTransport, `{"code":0,"message":"Transport unknown"}`, 400},
		{"EIO-3", engineio.UnknownSID, `{"code":1,"message":"Session ID unknown"}`, 400},
		{"EIO-3", engineio.BadHandshakeMethod, `{"code":2,"message":"Bad handshake method"}`, 400},
		{"EIO-2", engineio.BadRequest, `{"code":3,"message":"Bad request"}`, 400},
		{"EIO-2", engineio.Forbidden, `{"code":4,"message":"Forbidden"}`, 403},
		{"EIO-2", engineio.UnsupportedProtocolVersion, `{"code":5,"message":"Unsupported protocol version"}`, 400},
		{"EIO-2", engineio.ErrorCode(6), `{"code":6,"message":"Unknown error"}`, 400},
		{"EIO-2", engineio.ErrorCode(-1), `{"code":-1,"message":"Unknown error"}`, 400},
	}
	for _, tc := range tests {
		t.Run(tc.id+" "+tc.body, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.body, string(tc.code.Body()))
			assert.Equal(t, tc.status, tc.code.HTTPStatus())
		})
	}
}
