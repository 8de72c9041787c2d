package webui_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/protocol/socketio"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// CHAT-1: `events` reach every tab of the user and no one else.
func TestControlEvents(t *testing.T) {
	t.Parallel()
	env := newCtlEnv(t, refserver.Config{})
	tab1, tab2, other := env.connect(t, 2), env.connect(t, 2), env.connect(t, 3)

	r := env.admin(t, "POST", "/api/control/events", map[string]any{
		"user_id": webui.UserID(2), "chat_id": "chat-1", "message_id": "msg-1",
		"data": map[string]any{"type": "status", "data": map[string]any{"description": "thinking", "done": false}},
	})
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	assert.JSONEq(t, `{"delivered":2}`, string(r.body))
	want := `{"chat_id":"chat-1","message_id":"msg-1","data":{"type":"status","data":{"description":"thinking","done":false}}}`
	for _, tab := range []*ctlConn{tab1, tab2} {
		_, got := tab.event(t, "events")
		assert.JSONEq(t, want, string(got))
	}
	assert.Empty(t, ctlNames(other.sync(t)), "another user's tab gets nothing")
}

// CHAT-2: a call reaches one tab with an ack id and answers the client's
// ack; another user's sid or an unknown sid is not called.
func TestControlCall(t *testing.T) {
	t.Parallel()
	env := newCtlEnv(t, refserver.Config{})
	tab, sibling := env.connect(t, 2), env.connect(t, 2)

	done := make(chan ctlReply, 1)
	go func() { // the call returns only after the ack
		r, err := env.try("POST", "/api/control/call", ctlToken(t, 1), map[string]any{
			"user_id": webui.UserID(2), "sid": tab.sid, "chat_id": "chat-1", "message_id": "msg-1",
			"data": map[string]any{"type": "execute:python", "data": map[string]string{"code": "1+1"}},
		})
		if err != nil {
			r.body = []byte(err.Error())
		}
		done <- r
	}()
	p, got := tab.event(t, "events")
	require.True(t, p.HasID(), "the call carries an ack id")
	assert.JSONEq(t, `{"chat_id":"chat-1","message_id":"msg-1","data":{"type":"execute:python","data":{"code":"1+1"}}}`, string(got))
	tab.send(t, socketio.Packet{Type: socketio.Ack, Namespace: "/", ID: p.ID, Data: json.RawMessage(`[{"result":"2"}]`)})
	select {
	case r := <-done:
		require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
		assert.JSONEq(t, `{"result":"2"}`, string(r.body))
	case <-time.After(ctlWait):
		t.Fatal("the call did not return after the ack")
	}
	assert.Empty(t, ctlNames(sibling.sync(t)), "only the called tab gets the call")

	other := env.connect(t, 3)
	for name, body := range map[string]map[string]any{
		"other user's sid": {"user_id": webui.UserID(3), "sid": tab.sid, "data": map[string]any{"type": "x"}},
		"unknown sid":      {"user_id": webui.UserID(2), "sid": "no-such-sid", "data": map[string]any{"type": "x"}},
	} {
		r := env.admin(t, "POST", "/api/control/call", body)
		require.Equal(t, http.StatusOK, r.status, "%s: %s", name, r.body)
		assert.JSONEq(t, `{"error":"Client session disconnected."}`, string(r.body), name)
	}
	assert.Empty(t, ctlNames(tab.sync(t)), "nothing sent to the tab of another user")
	assert.Empty(t, ctlNames(other.sync(t)))

	r := env.admin(t, "POST", "/api/control/call", map[string]any{
		"user_id": webui.UserID(3), "sid": other.sid, "data": map[string]any{"type": "x"}, "timeout": "100ms",
	})
	assert.Equal(t, http.StatusGatewayTimeout, r.status, "no ack within the timeout: %s", r.body)
	_, _ = other.event(t, "events") // it was sent, and never answered
}

// The synthetic stream: N chat:completion deltas in order, then done.
func TestControlStream(t *testing.T) {
	t.Parallel()
	env := newCtlEnv(t, refserver.Config{})
	tab := env.connect(t, 2)

	r := env.admin(t, "POST", "/api/control/stream", map[string]any{
		"user_id": webui.UserID(2), "chat_id": "chat-1", "message_id": "msg-1",
		"deltas": 4, "interval": "2ms", "content": "Hello brave new world", "wait": true,
	})
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	var res struct {
		StreamID  string `json:"stream_id"`
		Deltas    int    `json:"deltas"`
		Events    int    `json:"events"`
		Delivered int    `json:"delivered"`
		Cancelled bool   `json:"cancelled"`
	}
	r.json(t, &res)
	assert.NotEmpty(t, res.StreamID)
	assert.Equal(t, 4, res.Deltas)
	assert.Equal(t, 5, res.Events)
	assert.Equal(t, 5, res.Delivered)
	assert.False(t, res.Cancelled)

	text := "Hello brave new world"
	for i := 1; i <= 4; i++ {
		_, got := tab.event(t, "events")
		sofar := text[:i*len(text)/4]
		assert.JSONEq(t, fmt.Sprintf(`{"chat_id":"chat-1","message_id":"msg-1","data":{"type":"chat:completion","data":{"content":%q,"done":false}}}`, sofar), string(got))
	}
	_, got := tab.event(t, "events")
	assert.JSONEq(t, fmt.Sprintf(`{"chat_id":"chat-1","message_id":"msg-1","data":{"type":"chat:completion","data":{"content":%q,"done":true}}}`, text), string(got))

	// Asynchronous, generated words, the OpenAI chunk format.
	r = env.admin(t, "POST", "/api/control/stream", map[string]any{
		"user_id": webui.UserID(2), "chat_id": "c", "message_id": "m", "deltas": 3, "interval_ms": 1, "format": "choices",
	})
	require.Equal(t, http.StatusAccepted, r.status, "body %s", r.body)
	for i := 1; i <= 3; i++ {
		_, got := tab.event(t, "events")
		assert.JSONEq(t, fmt.Sprintf(`{"chat_id":"c","message_id":"m","data":{"type":"chat:completion","data":{"choices":[{"index":0,"delta":{"content":"tok%d "},"finish_reason":null}]}}}`, i), string(got))
	}
	_, got = tab.event(t, "events")
	assert.JSONEq(t, `{"chat_id":"c","message_id":"m","data":{"type":"chat:completion","data":{"content":"tok1 tok2 tok3 ","done":true}}}`, string(got))

	// A long stream is cancelled by DELETE and sends no done.
	r = env.admin(t, "POST", "/api/control/stream", map[string]any{
		"user_id": webui.UserID(2), "deltas": 10000, "interval": "20ms", "format": "delta",
	})
	require.Equal(t, http.StatusAccepted, r.status)
	var started struct {
		StreamID string `json:"stream_id"`
	}
	r.json(t, &started)
	_, got = tab.event(t, "events")
	assert.JSONEq(t, `{"chat_id":"","message_id":"","data":{"type":"chat:completion","data":{"content":"tok1 ","done":false}}}`, string(got))
	r = env.admin(t, "DELETE", "/api/control/stream/"+started.StreamID, nil)
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	require.Eventually(t, func() bool {
		return env.admin(t, "DELETE", "/api/control/stream/"+started.StreamID, nil).status == http.StatusNotFound
	}, ctlWait, 5*time.Millisecond, "the stream ends")
	for _, p := range tab.sync(t) {
		assert.NotContains(t, string(p.Data), `"done":true`, "a cancelled stream sends no done")
	}

	// StopStreams (the App stopping) ends running streams and refuses new ones.
	r = env.admin(t, "POST", "/api/control/stream", map[string]any{"user_id": webui.UserID(2), "deltas": 10000})
	require.Equal(t, http.StatusAccepted, r.status)
	env.srv.App().StopStreams()
	r = env.admin(t, "POST", "/api/control/stream", map[string]any{"user_id": webui.UserID(2)})
	assert.Equal(t, http.StatusServiceUnavailable, r.status, "body %s", r.body)
}

// SESS-2 through the control API: a heartbeat updates last_active_at, and
// the session pool lists each socket.
func TestControlUsersAndSessions(t *testing.T) {
	t.Parallel()
	env := newCtlEnv(t, refserver.Config{})
	var before struct {
		ID           string `json:"id"`
		Name         string `json:"name"`
		Role         string `json:"role"`
		LastActiveAt int64  `json:"last_active_at"`
	}
	r := env.admin(t, "GET", "/api/control/users/"+webui.UserID(2), nil)
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	r.json(t, &before)
	assert.Equal(t, webui.UserID(2), before.ID)
	assert.Equal(t, "user", before.Role)
	assert.Zero(t, before.LastActiveAt)

	c1, c2 := env.connect(t, 2), env.connect(t, 3)
	c1.emit(t, false, "heartbeat", map[string]any{})
	c1.sync(t)
	after := before
	env.admin(t, "GET", "/api/control/users/"+webui.UserID(2), nil).json(t, &after)
	assert.InDelta(t, time.Now().Unix(), after.LastActiveAt, 5)

	var pool map[string]struct {
		ID         string `json:"id"`
		LastSeenAt int64  `json:"last_seen_at"`
	}
	r = env.admin(t, "GET", "/api/control/sessions", nil)
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	r.json(t, &pool)
	require.Len(t, pool, 2)
	assert.Equal(t, webui.UserID(2), pool[c1.sid].ID)
	assert.Equal(t, webui.UserID(3), pool[c2.sid].ID)
}

// GET /api/control/documents/{id} answers the stored state when the
// document store is built in, else 501.
func TestControlDocuments(t *testing.T) {
	t.Parallel()
	env := newCtlEnv(t, refserver.Config{})
	r := env.admin(t, "GET", "/api/control/documents/note:n0001", nil)
	if r.status == http.StatusNotImplemented {
		assert.NotEmpty(t, r.detail(t))
		t.Skip("no document store in this build")
	}
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	var doc struct {
		DocumentID string   `json:"document_id"`
		State      []int    `json:"state"`
		Updates    int      `json:"updates"`
		Members    []string `json:"members"`
	}
	r.json(t, &doc)
	assert.Equal(t, "note:n0001", doc.DocumentID)
	assert.NotNil(t, doc.State)
	assert.NotNil(t, doc.Members)
}

// drop: "close" sends `41` to every socket, "transport" cuts every
// connection without a word.
func TestControlDrop(t *testing.T) {
	t.Parallel()
	env := newCtlEnv(t, refserver.Config{})
	a, b := env.connect(t, 2), env.connect(t, 3)
	r := env.admin(t, "POST", "/api/control/drop", map[string]string{"mode": "close"})
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	assert.JSONEq(t, `{"dropped":2}`, string(r.body))
	a.disconnected(t)
	b.disconnected(t)

	c, d := env.connect(t, 2), env.connect(t, 4)
	r = env.admin(t, "POST", "/api/control/drop", map[string]string{"mode": "transport"})
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	assert.JSONEq(t, `{"dropped":2}`, string(r.body))
	for _, x := range []*ctlConn{c, d} {
		seen, err := x.closed(t)
		require.Error(t, err)
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			assert.Equal(t, websocket.CloseAbnormalClosure, ce.Code, "no close frame")
		}
		for _, p := range seen {
			assert.NotEqual(t, socketio.Disconnect, p.Type, "no DISCONNECT before a transport drop")
		}
	}
	require.Eventually(t, func() bool {
		var pool map[string]json.RawMessage
		env.admin(t, "GET", "/api/control/sessions", nil).json(t, &pool)
		return len(pool) == 0
	}, ctlWait, 5*time.Millisecond, "the sessions went with the sockets")
}
