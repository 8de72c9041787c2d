package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// Pure functions of the package, without a server.

func TestParseTransports(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      []string
		want    Transports
		wantErr bool
	}{
		{[]string{"websocket"}, WebsocketOnly, false},
		{[]string{"polling"}, PollingOnly, false},
		{[]string{"polling", "websocket"}, PollingThenWebsocket, false},
		{[]string{"websocket", "polling"}, 0, true},
		{nil, 0, true},
		{[]string{"webtransport"}, 0, true},
	}
	for _, tt := range tests {
		got, err := ParseTransports(tt.in)
		if tt.wantErr {
			assert.Error(t, err, "ParseTransports(%q)", tt.in)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, "ParseTransports(%q)", tt.in)
		again, err := ParseTransports(strings.Split(got.String(), ","))
		require.NoError(t, err)
		assert.Equal(t, got, again, "String round trip")
	}
}

func TestConnectErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct{ data, want string }{
		{`{"message":"Invalid namespace"}`, "Invalid namespace"}, // Node
		{`"Unable to connect"`, "Unable to connect"},             // python-socketio
		{`{"message":"m","data":{"x":1}}`, "m"},                  // Node middleware error with data
		{`{"other":1}`, `{"other":1}`},                           // anything else: raw
		{`{"message":""}`, ""},                                   // empty message is a message
	}
	for _, tt := range tests {
		e := &ConnectError{Namespace: "/x", Data: json.RawMessage(tt.data)}
		assert.Equal(t, tt.want, e.Message(), tt.data)
		assert.Contains(t, e.Error(), "/x")
	}
}

func TestPayloadDecode(t *testing.T) {
	t.Parallel()
	p := Payload{
		Args: []json.RawMessage{
			json.RawMessage(`"name"`),
			json.RawMessage(`{"_placeholder":true,"num":1}`),
			json.RawMessage(`{"blob":{"_placeholder":true,"num":0},"n":2}`),
			json.RawMessage(`[1,{"_placeholder":true,"num":0}]`),
		},
		Attachments: [][]byte{[]byte("zero"), []byte("one")},
	}
	var (
		name  string
		one   []byte
		obj   struct{ Blob []byte }
		list  []any
		extra string
	)
	require.NoError(t, p.Decode(&name, &one, &obj, &list))
	assert.Equal(t, "name", name)
	assert.Equal(t, []byte("one"), one)
	assert.Equal(t, []byte("zero"), obj.Blob)
	require.NoError(t, p.Decode(nil, nil, nil, nil, &extra), "missing arguments leave dst alone")
	assert.Empty(t, extra)

	vals, err := p.Values()
	require.NoError(t, err)
	assert.Equal(t, []any{"name", []byte("one"), map[string]any{"blob": []byte("zero"), "n": 2.0}, []any{1.0, []byte("zero")}}, vals)

	bad := Payload{Args: []json.RawMessage{json.RawMessage(`{"_placeholder":true,"num":5}`)}, Attachments: [][]byte{{1}}}
	_, err = bad.Values()
	assert.ErrorIs(t, err, socketio.ErrBadPlaceholder)

	plain := Payload{Args: []json.RawMessage{json.RawMessage(`{"a":1}`)}}
	var m map[string]int
	require.NoError(t, plain.Decode(&m))
	assert.Equal(t, map[string]int{"a": 1}, m)
	assert.Error(t, plain.Decode(&name), "type mismatch is reported")
}

func TestAppendEvent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []any
		wantWire string
		wantAtts int
	}{
		{"no args", nil, `2["e"]`, 0},
		{"plain", []any{1, "a", map[string]any{"k": []any{true}}}, `2["e",1,"a",{"k":[true]}]`, 0},
		{"raw json", []any{json.RawMessage(`{"r":1}`)}, `2["e",{"r":1}]`, 0},
		{"bytes", []any{[]byte{1}}, `51-["e",{"_placeholder":true,"num":0}]`, 1},
		{"nested bytes", []any{"x", map[string]any{"b": []byte{1}}, []any{[]byte{2}}}, `52-["e","x",{"b":{"_placeholder":true,"num":0}},[{"_placeholder":true,"num":1}]]`, 2},
	}
	for _, tt := range tests {
		wire, atts, err := appendEvent(nil, "/", socketio.NoID, "e", tt.args)
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.wantWire, string(wire), tt.name)
		assert.Len(t, atts, tt.wantAtts, tt.name)
	}
	wire, _, err := appendEvent([]byte("4"), "/nsp", 7, "e", []any{"x"})
	require.NoError(t, err)
	assert.Equal(t, `42/nsp,7["e","x"]`, string(wire), "namespace and ack id after the prefix")
	_, _, err = appendEvent(nil, "/", socketio.NoID, "e", []any{make(chan int)})
	assert.Error(t, err, "unmarshalable argument")
	_, _, err = appendEvent(nil, "/", socketio.NoID, "e", []any{[]byte{1}, make(chan int)})
	assert.Error(t, err, "unmarshalable argument beside binary")
}

func TestReasonFor(t *testing.T) {
	t.Parallel()
	wsClose := &TransportError{Transport: engineio.TransportWebsocket, Err: &websocket.CloseError{Code: 1009}}
	tests := []struct {
		err  error
		want string
	}{
		{ErrClosed, ReasonClientDisconnect},
		{ErrPingTimeout, ReasonPingTimeout},
		{ErrServerClose, ReasonTransportClose},
		{wsClose, ReasonTransportClose},
		{&TransportError{Transport: engineio.TransportPolling, Err: &HTTPError{StatusCode: 400}}, ReasonTransportError},
		{fmt.Errorf("x: %w", engineio.ErrMalformed), ReasonParseError},
		{fmt.Errorf("x: %w", socketio.ErrUnexpectedText), ReasonParseError},
		{errors.New("other"), ReasonTransportError},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, reasonFor(tt.err), "%v", tt.err)
	}
	assert.Equal(t, 1009, CloseCode(fmt.Errorf("wrapped: %w", wsClose)))
	assert.Equal(t, -1, CloseCode(ErrClosed))
}

func TestURLs(t *testing.T) {
	t.Parallel()
	base, err := baseURL("https://example.com:8443/ignored?keep=1", &Options{Path: "/ws/socket.io/", Query: url.Values{"x": {"y"}}})
	require.NoError(t, err)
	assert.Equal(t, "https://example.com:8443/ws/socket.io/?EIO=4&keep=1&transport=polling&x=y", endpoint(base, "polling", ""))
	assert.Equal(t, "wss://example.com:8443/ws/socket.io/?EIO=4&keep=1&sid=abc&transport=websocket&x=y", endpoint(base, "websocket", "abc"))

	base, err = baseURL("ws://h", &Options{})
	require.NoError(t, err)
	assert.Equal(t, "ws://h/socket.io/?EIO=4&transport=websocket", endpoint(base, "websocket", ""))
}

// CONNECT answers: the plain form read by hand and everything else by
// encoding/json give the same sid, or none.
func TestConnectSID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		data, sid string
		ok        bool
	}{
		{`{"sid":"abc-123_XY"}`, "abc-123_XY", true},
		{`{"sid":"a\u0062c"}`, "abc", true},  // escaped: encoding/json
		{`{"pid":"p","sid":"x"}`, "x", true}, // more fields
		{`{ "sid" : "x" }`, "x", true},       // spaces
		{`{"sid":""}`, "", false},            // empty
		{`{"sid":"x"`, "", false},            // truncated
		{`{"sid":"x"}trailing`, "", false},   // not JSON
		{"{\"sid\":\"a\x01b\"}", "", false},  // control character
		{`{"sid":1}`, "", false},             // not a string
		{`[]`, "", false},
	}
	for _, tt := range tests {
		sid, ok := connectSID([]byte(tt.data))
		assert.Equal(t, tt.ok, ok, "%s", tt.data)
		assert.Equal(t, tt.sid, sid, "%s", tt.data)
	}
}

// ownArgs copies what a Payload keeps out of the pooled read buffer: equal
// elements that no longer alias it, in one allocation for the usual acks.
// Not parallel: AllocsPerRun.
func TestOwnArgs(t *testing.T) {
	long := `"` + strings.Repeat("y", 100) + `"`
	tests := []struct {
		name   string
		args   []string
		allocs float64
	}{
		{"none", nil, 0},
		{"one small", []string{`{"ok":true}`}, 1},
		{"two small", []string{`null`, `"ok"`}, 1},
		{"one medium", []string{`"` + strings.Repeat("x", 60) + `"`}, 1},
		{"two large", []string{`null`, long}, 1},
		{"three", []string{`1`, `2`, `3`}, 2},
		{"one huge", []string{long + long + long}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := []byte(strings.Join(tt.args, ""))
			src := make([]json.RawMessage, len(tt.args))
			for i, off := 0, 0; i < len(tt.args); i++ {
				src[i] = buf[off : off+len(tt.args[i])]
				off += len(tt.args[i])
			}
			got := ownArgs(src)
			clear(buf) // the pooled buffer is reused
			require.NotNil(t, got)
			require.Len(t, got, len(tt.args))
			for i, a := range got {
				assert.Equal(t, tt.args[i], string(a))
				assert.Equal(t, len(a), cap(a), "an append to an element must not overwrite the next")
			}
			assert.Equal(t, tt.allocs, testing.AllocsPerRun(100, func() { _ = ownArgs(src) }))
		})
	}
}
