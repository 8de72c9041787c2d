package engine

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The faults of conformance/engineio, each against the behaviour it breaks.

// lazy-pong-timer breaks EIO-6: with no GET waiting, the ping waits and so
// does its timeout.
func TestFaultLazyPongTimer(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Transports: []string{"polling"}, PingInterval: 50 * time.Millisecond,
		PingTimeout: 50 * time.Millisecond, Faults: Faults{LazyPongTimer: true}})
	p := openPolling(t, ts, nil)
	time.Sleep(300 * time.Millisecond) // well past pingInterval + pingTimeout
	r := p.get(t)
	assert.Equal(t, http.StatusOK, r.code)
	assert.Equal(t, "2", r.body, "the session is still open, its ping still queued")
}

// eager-poll breaks EIO-8: a GET with nothing to send is answered at once.
func TestFaultEagerPoll(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Transports: []string{"polling"}, Faults: Faults{EagerPoll: true}})
	p := openPolling(t, ts, nil)
	r := await(t, p.getAsync())
	assert.Equal(t, "6", r.body)
}

// enforce-payload breaks EIO-10: the limit applied is not the one announced.
func TestFaultEnforcePayload(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Transports: []string{"polling", "websocket"}, MaxPayload: 100, Faults: Faults{EnforcePayload: 50}})
	c := dialWS(t, ts.url("ws", "EIO=4&transport=websocket"), nil, true)
	assert.Equal(t, 100, c.open(t).MaxPayload, "announced")
	c.send(t, "4"+strings.Repeat("x", 50))
	assert.Equal(t, websocket.CloseMessageTooBig, closeCode(c.ended(t)), "enforced")

	p := openPolling(t, ts, nil)
	code, _ := p.post(t, "4"+strings.Repeat("x", 50))
	assert.Equal(t, http.StatusRequestEntityTooLarge, code)
}

// binary-as-text breaks EIO-11: binary goes out as a base64 text message.
func TestFaultBinaryAsText(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Transports: []string{"polling", "websocket"}, Faults: Faults{BinaryAsText: true}})
	c := dialWS(t, ts.url("ws", "EIO=4&transport=websocket"), nil, true)
	c.open(t)
	require.NoError(t, c.write(websocket.BinaryMessage, "\x00\x01"))
	assert.Equal(t, wsMsg{Data: "4AAE="}, c.next(t))

	p := openPolling(t, ts, nil)
	code, _ := p.post(t, "bAAE=")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "4AAE=", p.get(t).body)
}

// allow-second-websocket breaks EIO-15: a second websocket for an upgraded
// session stays open.
func TestFaultAllowSecondWebsocket(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Transports: []string{"polling", "websocket"}, Faults: Faults{AllowSecondWebsocket: true}})
	p := openPolling(t, ts, nil)
	ws := ts.url("ws", "EIO=4&transport=websocket&sid="+p.sid)
	first := dialWS(t, ws, nil, true)
	first.send(t, "2probe")
	require.Equal(t, "3probe", first.nextText(t))
	first.send(t, "5")
	first.send(t, "4up")
	require.Equal(t, "4up", first.nextText(t))

	second := dialWS(t, ws, nil, false)
	second.send(t, "2probe")
	if err := second.Quiet(200 * time.Millisecond); err != nil {
		t.Fatalf("the second websocket, left open and silent by the fault: %v", err)
	}
	first.close()
	second.close()
}
