package engine

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

var (
	bothTransports = []string{engineio.TransportPolling, engineio.TransportWebsocket}
	pollingOnly    = []string{engineio.TransportPolling}
	websocketOnly  = []string{engineio.TransportWebsocket}
)

// EIO-2: a handshake without EIO=4 gets 400 with Node's body.
func TestHandshakeProtocolVersion(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Transports: bothTransports})
	for _, tc := range []struct{ name, query string }{
		{"missing EIO", "transport=polling"},
		{"EIO=3", "EIO=3&transport=polling"},
		{"EIO=5", "EIO=5&transport=polling"},
		{"EIO=3 websocket", "EIO=3&transport=websocket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, h := ts.do(t, http.MethodGet, ts.url("http", tc.query), "", nil)
			assert.Equal(t, http.StatusBadRequest, code)
			assert.Equal(t, `{"code":5,"message":"Unsupported protocol version"}`, body)
			assert.Equal(t, "application/json", h.Get("Content-Type"))
		})
	}
	assert.Zero(t, ts.SessionCount())
}

// EIO-3: unknown or switched-off transport → code 0, a handshake that is not
// GET → code 2, an unknown sid → code 1; all HTTP 400.
func TestHandshakeRefused(t *testing.T) {
	t.Parallel()
	both := newTestServer(t, Config{Transports: bothTransports})
	wsOnly := newTestServer(t, Config{Transports: websocketOnly})
	pollOnly := newTestServer(t, Config{Transports: pollingOnly})
	for _, tc := range []struct {
		name   string
		ts     *testServer
		method string
		query  string
		want   string
	}{
		{"unknown transport", both, http.MethodGet, "EIO=4&transport=flashsocket", `{"code":0,"message":"Transport unknown"}`},
		{"no transport", both, http.MethodGet, "EIO=4", `{"code":0,"message":"Transport unknown"}`},
		{"polling on websocket-only", wsOnly, http.MethodGet, "EIO=4&transport=polling", `{"code":0,"message":"Transport unknown"}`},
		{"websocket on polling-only", pollOnly, http.MethodGet, "EIO=4&transport=websocket", `{"code":0,"message":"Transport unknown"}`},
		{"POST handshake", both, http.MethodPost, "EIO=4&transport=polling", `{"code":2,"message":"Bad handshake method"}`},
		{"PUT handshake", both, http.MethodPut, "EIO=4&transport=polling", `{"code":2,"message":"Bad handshake method"}`},
		{"unknown sid GET", both, http.MethodGet, "EIO=4&transport=polling&sid=nope", `{"code":1,"message":"Session ID unknown"}`},
		{"unknown sid POST", both, http.MethodPost, "EIO=4&transport=polling&sid=nope", `{"code":1,"message":"Session ID unknown"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, _ := tc.ts.do(t, tc.method, tc.ts.url("http", tc.query), "4x", nil)
			assert.Equal(t, http.StatusBadRequest, code)
			assert.Equal(t, tc.want, body)
		})
	}
	for _, ts := range []*testServer{both, wsOnly, pollOnly} {
		assert.Zero(t, ts.SessionCount())
	}
}

// EIO-3: a real websocket handshake for a switched-off transport or an
// unknown sid is refused with the same bodies.
func TestHandshakeRefusedWebsocket(t *testing.T) {
	t.Parallel()
	pollOnly := newTestServer(t, Config{Transports: pollingOnly})
	wsOnly := newTestServer(t, Config{Transports: websocketOnly})
	for _, tc := range []struct {
		name  string
		ts    *testServer
		query string
		want  string
	}{
		{"websocket on polling-only", pollOnly, "EIO=4&transport=websocket", `{"code":0,"message":"Transport unknown"}`},
		{"unknown sid", wsOnly, "EIO=4&transport=websocket&sid=nope", `{"code":1,"message":"Session ID unknown"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, resp, err := websocket.DefaultDialer.Dial(tc.ts.url("ws", tc.query), nil)
			require.ErrorIs(t, err, websocket.ErrBadHandshake)
			defer resp.Body.Close()
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			body := make([]byte, 256)
			n, _ := resp.Body.Read(body)
			assert.Equal(t, tc.want, string(body[:n]))
		})
	}
}

// EIO-4: the OPEN packet's fields, defaults and upgrades.
func TestOpenPacket(t *testing.T) {
	t.Parallel()
	configured := Config{PingInterval: 1234 * time.Millisecond, PingTimeout: 567 * time.Millisecond, MaxPayload: 4321, Transports: bothTransports}
	for _, tc := range []struct {
		name      string
		cfg       Config
		transport string
		want      engineio.OpenInfo
	}{
		{"defaults websocket", Config{}, "websocket", engineio.OpenInfo{Upgrades: []string{}, PingInterval: 25000, PingTimeout: 20000, MaxPayload: 1000000}},
		{"both, polling may upgrade", Config{Transports: bothTransports}, "polling", engineio.OpenInfo{Upgrades: []string{"websocket"}, PingInterval: 25000, PingTimeout: 20000, MaxPayload: 1000000}},
		{"both, websocket", Config{Transports: bothTransports}, "websocket", engineio.OpenInfo{Upgrades: []string{}, PingInterval: 25000, PingTimeout: 20000, MaxPayload: 1000000}},
		{"polling only", Config{Transports: pollingOnly}, "polling", engineio.OpenInfo{Upgrades: []string{}, PingInterval: 25000, PingTimeout: 20000, MaxPayload: 1000000}},
		{"configured polling", configured, "polling", engineio.OpenInfo{Upgrades: []string{"websocket"}, PingInterval: 1234, PingTimeout: 567, MaxPayload: 4321}},
		{"configured websocket", configured, "websocket", engineio.OpenInfo{Upgrades: []string{}, PingInterval: 1234, PingTimeout: 567, MaxPayload: 4321}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, tc.cfg)
			var raw string
			if tc.transport == "polling" {
				code, body, h := ts.do(t, http.MethodGet, ts.url("http", "EIO=4&transport=polling"), "", nil)
				require.Equal(t, http.StatusOK, code, body)
				assert.Equal(t, "text/plain; charset=UTF-8", h.Get("Content-Type"))
				raw = body
			} else {
				raw = dialWS(t, ts.url("ws", "EIO=4&transport=websocket"), nil, false).nextText(t)
			}
			require.Equal(t, byte('0'), raw[0], "OPEN packet %q", raw)
			got := parseOpen(t, raw)
			assert.Len(t, got.SID, 20)
			assert.Equal(t, got.SID, ts.session(t).ID())
			tc.want.SID = got.SID
			assert.Equal(t, tc.want, got)
			// upgrades is a JSON array, never null, and there are no other fields.
			var fields map[string]json.RawMessage
			require.NoError(t, json.Unmarshal([]byte(raw[1:]), &fields))
			assert.Len(t, fields, 5)
			assert.NotEqual(t, "null", string(fields["upgrades"]))
		})
	}
}

// EIO-12: with an allow-list, a foreign Origin gets 400 and no session; no
// Origin is fine; an allowed Origin is echoed in Access-Control-Allow-Origin.
func TestCORSAllowList(t *testing.T) {
	t.Parallel()
	const good, bad = "https://good.example", "https://evil.example"
	ts := newTestServer(t, Config{Transports: bothTransports, CORSOrigins: []string{"https://other.example", good}})
	origin := func(o string) http.Header {
		if o == "" {
			return nil
		}
		return http.Header{"Origin": {o}}
	}
	for _, tc := range []struct {
		name, method, origin string
		wantCode             int
		wantSession          bool
	}{
		{"foreign origin", http.MethodGet, bad, http.StatusBadRequest, false},
		{"foreign origin preflight", http.MethodOptions, bad, http.StatusBadRequest, false},
		{"no origin", http.MethodGet, "", http.StatusOK, true},
		{"allowed origin", http.MethodGet, good, http.StatusOK, true},
		{"allowed origin preflight", http.MethodOptions, good, http.StatusNoContent, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := ts.SessionCount()
			code, body, h := ts.do(t, tc.method, ts.url("http", "EIO=4&transport=polling"), "", origin(tc.origin))
			assert.Equal(t, tc.wantCode, code, body)
			if tc.origin == bad {
				assert.Equal(t, `{"code":4,"message":"Forbidden"}`, body)
			}
			if tc.wantSession {
				parseOpen(t, body)
				assert.Equal(t, before+1, ts.SessionCount())
			} else {
				assert.Equal(t, before, ts.SessionCount())
			}
			if tc.origin == good {
				assert.Equal(t, good, h.Get("Access-Control-Allow-Origin"))
				assert.Equal(t, "true", h.Get("Access-Control-Allow-Credentials"))
			} else {
				assert.Empty(t, h.Get("Access-Control-Allow-Origin"))
			}
		})
	}

	t.Run("foreign origin websocket", func(t *testing.T) {
		before := ts.SessionCount()
		_, resp, err := websocket.DefaultDialer.Dial(ts.url("ws", "EIO=4&transport=websocket"), origin(bad))
		require.ErrorIs(t, err, websocket.ErrBadHandshake)
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		assert.Equal(t, before, ts.SessionCount())
	})
	t.Run("allowed origin websocket", func(t *testing.T) {
		c := dialWS(t, ts.url("ws", "EIO=4&transport=websocket"), origin(good), false)
		c.open(t)
	})
}

// EIO-13: transport=websocket without upgrade headers gets 400, at the
// handshake and for an existing sid.
func TestWebsocketWithoutUpgradeHeaders(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Transports: bothTransports})
	p := openPolling(t, ts, nil)
	for _, tc := range []struct{ name, query string }{
		{"handshake", "EIO=4&transport=websocket"},
		{"upgrade of a polling session", "EIO=4&transport=websocket&sid=" + p.sid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, _ := ts.do(t, http.MethodGet, ts.url("http", tc.query), "", nil)
			assert.Equal(t, http.StatusBadRequest, code)
			assert.Equal(t, `{"code":3,"message":"Bad request"}`, body)
		})
	}
	assert.Equal(t, 1, ts.SessionCount())
	assert.Equal(t, engineio.TransportPolling, ts.session(t).Transport())
}
