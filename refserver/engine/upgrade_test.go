package engine

import (
	"net/http"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

func (p *pollClient) upgradeURL() string {
	return p.ts.url("ws", "EIO=4&transport=websocket&sid="+p.sid)
}

// upgrade runs EIO-9's exchange on a polling session whose GET is pending:
// `2probe` → `3probe`, the pending GET gets `6`, then `5` switches. queued is
// sent by the server between the probe and the switch.
func upgrade(t *testing.T, p *pollClient, sess *Session, queued ...Frame) *wsClient {
	t.Helper()
	get := p.getAsync()
	waitState(t, sess, getActive)
	c := dialWS(t, p.upgradeURL(), nil, false)
	c.send(t, "2probe")
	assert.Equal(t, "3probe", c.nextText(t))
	r := await(t, get)
	assert.Equal(t, http.StatusOK, r.code)
	assert.Equal(t, "6", r.body, "the pending GET is answered with a noop")
	assert.Equal(t, engineio.TransportPolling, sess.Transport(), "no switch before `5`")
	sess.Send(queued...)
	c.send(t, "5")
	return c
}

// EIO-9: the probe exchange, the switch, and packets queued during the
// upgrade arriving on the websocket in order.
func TestUpgrade(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Transports: bothTransports})
	p := openPolling(t, ts, nil)
	require.Equal(t, []string{"websocket"}, p.info.Upgrades)
	sess := ts.session(t)

	c := upgrade(t, p, sess, MessageFrame([]byte("queued-1")), Frame{Binary: true, Data: []byte{1}}, MessageFrame([]byte("queued-2")))
	assert.Equal(t, wsMsg{Data: "4queued-1"}, c.next(t))
	assert.Equal(t, wsMsg{Binary: true, Data: "\x01"}, c.next(t))
	assert.Equal(t, wsMsg{Data: "4queued-2"}, c.next(t))
	assert.Equal(t, engineio.TransportWebsocket, sess.Transport())

	c.send(t, "4over websocket")
	assert.Equal(t, "4over websocket", c.nextText(t))
	sess.Send(MessageFrame([]byte("pushed")))
	assert.Equal(t, "4pushed", c.nextText(t))
	assert.Equal(t, int64(1), ts.Stats().SessionsWebsocket.Load())
	assert.Equal(t, int64(0), ts.Stats().SessionsPolling.Load())
}

// EIO-8: polling requests on a session that has upgraded get 400; the
// session goes on over its websocket.
func TestPollingAfterUpgrade(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Transports: bothTransports})
	p := openPolling(t, ts, nil)
	c := upgrade(t, p, ts.session(t))
	c.send(t, "4sync")
	require.Equal(t, "4sync", c.nextText(t)) // the switch is done

	r := p.get(t)
	assert.Equal(t, http.StatusBadRequest, r.code)
	code, _ := p.post(t, "4late")
	assert.Equal(t, http.StatusBadRequest, code)

	c.send(t, "4still")
	assert.Equal(t, "4still", c.nextText(t))
	assert.Empty(t, ts.closed)
}

// EIO-15: a second websocket for a sid that already has one is closed, and
// the first goes on.
func TestSecondWebsocketRefused(t *testing.T) {
	t.Parallel()
	t.Run("upgraded session", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, Config{Transports: bothTransports})
		p := openPolling(t, ts, nil)
		c := upgrade(t, p, ts.session(t))
		c.send(t, "4sync")
		require.Equal(t, "4sync", c.nextText(t))

		second := dialWS(t, p.upgradeURL(), nil, false) // closed at once, before any probe
		assert.Equal(t, websocket.ClosePolicyViolation, closeCode(second.ended(t)))

		c.send(t, "4first")
		assert.Equal(t, "4first", c.nextText(t))
	})
	t.Run("websocket session", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, Config{Transports: bothTransports})
		c := openWS(t, ts)
		sid := ts.session(t).ID()
		second := dialWS(t, ts.url("ws", "EIO=4&transport=websocket&sid="+sid), nil, false)
		assert.Equal(t, websocket.ClosePolicyViolation, closeCode(second.ended(t)))
		c.send(t, "4first")
		assert.Equal(t, "4first", c.nextText(t))
	})
	t.Run("during a probe", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, Config{Transports: bothTransports})
		p := openPolling(t, ts, nil)
		first := dialWS(t, p.upgradeURL(), nil, false)
		first.send(t, "2probe")
		require.Equal(t, "3probe", first.nextText(t))
		second := dialWS(t, p.upgradeURL(), nil, false)
		assert.Equal(t, websocket.ClosePolicyViolation, closeCode(second.ended(t)))
		first.send(t, "5")
		first.send(t, "4first")
		assert.Equal(t, "4first", first.nextText(t))
	})
}

// EIO-9: a failed probe closes the probe's websocket and leaves the session
// on polling, where it still works.
func TestFailedProbeKeepsPolling(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Transports: bothTransports})
	p := openPolling(t, ts, nil)
	sess := ts.session(t)

	c := dialWS(t, p.upgradeURL(), nil, false)
	c.send(t, "4not a probe")
	c.ended(t)
	waitState(t, sess, func(s *Session) bool { return !s.upgrading })
	assert.Equal(t, engineio.TransportPolling, sess.Transport())

	code, body := p.post(t, "4polling")
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, "4polling", p.get(t).body)

	// A later upgrade still succeeds.
	c = upgrade(t, p, sess)
	c.send(t, "4ws")
	assert.Equal(t, "4ws", c.nextText(t))
}
