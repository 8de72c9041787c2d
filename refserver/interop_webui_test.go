package refserver_test

// Interop of the open-webui application layer: testdata/node/interop/webui.js
// is open-webui's browser client (CLIENT-1, CLIENT-2) on the real
// socket.io-client 4.8.4 and yjs, three tabs of two users, against a
// refserver on each of open-webui's transport modes (EIO-14). The Go side
// starts the chat stream, checks the server's state while the tabs are
// connected, and asserts what every tab received, exactly.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/token"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// The fixture: user A (u000002) has tabs a and a2, user B (u000003) has
// tab b; u000001 is the admin who drives the control API.
const (
	webuiAdmin    = "u000001"
	webuiUserA    = "u000002"
	webuiUserB    = "u000003"
	webuiChannel  = "c0001" // every user's channel
	webuiDocument = "note:n0001"
	webuiVersion  = "0.11.0-interop"
	// webuiHeartbeat is served as features.websocket_heartbeat_interval
	// (SESS-1); the script beats every webuiHeartbeatMs instead, so that the
	// test need not wait seconds.
	webuiHeartbeat   = 6 * time.Second
	webuiHeartbeatMs = 100
	webuiDeltas      = 20
	webuiChatID      = "chat-1"
	webuiMessageID   = "msg-1"
	webuiTextA       = "hello" // tab a's edit, sent as an int array
	webuiTextB       = "world" // tab b's edit, sent as binary
	// webuiTextMerged is what Yjs makes of the two concurrent inserts at 0:
	// the edit of the lower client id (a's, 1) goes first.
	webuiTextMerged = webuiTextA + webuiTextB
)

// webuiTabs are the script's tabs: a and a2 of user A, b of user B.
var webuiTabs = []string{"a", "a2", "b"}

var webuiColors = map[string]string{"a": "#e11d48", "a2": "#2563eb", "b": "#16a34a"}

type webuiTab struct {
	Name  string `json:"name"`
	Token string `json:"token"`
	Color string `json:"color"`
}

type webuiEdit struct {
	Text     string `json:"text"`
	ClientID int    `json:"clientID"`
}

type webuiDoc struct {
	ID string `json:"id"`
	// The tabs that join first, second (the two editors) and last.
	First  string               `json:"first"`
	Second string               `json:"second"`
	Third  string               `json:"third"`
	Edits  map[string]webuiEdit `json:"edits"`
}

type webuiConfig struct {
	target
	HeartbeatMs  int        `json:"heartbeatMs"`
	StreamWaitMs int        `json:"streamWaitMs"`
	Tabs         []webuiTab `json:"tabs"`
	StreamTabs   []string   `json:"streamTabs"`
	TypingFrom   string     `json:"typingFrom"`
	Channel      string     `json:"channel"`
	Doc          webuiDoc   `json:"doc"`
}

// httpObs is one fetch of the script.
type httpObs struct {
	Status int
	Body   json.RawMessage
	Error  string
}

type webuiTabObs struct {
	ConnectError  json.RawMessage
	ID            string
	OpenTransport string
	Transport     string
	Version       httpObs
	UserJoin      json.RawMessage
	Heartbeats    int
}

type webuiObs struct {
	Config     httpObs
	Transports []string
	Tabs       map[string]webuiTabObs
	StreamDone bool
	// Every event each tab received in a phase, as [name, ...args].
	Stream, Typing map[string]json.RawMessage
	Doc            struct {
		Sent   map[string][]int
		Text   map[string]string
		Errors []string
		Events map[string]json.RawMessage
	}
	Wire wireObs
}

// webuiMode is one of open-webui's transport setups (EIO-14, CLIENT-2).
type webuiMode struct {
	name      string
	server    []string // refserver Transports
	enableWS  bool     // served as features.enable_websocket
	client    []string // what the client asks for
	transport string   // what every tab ends on
	wire      wireObs  // b's binary update goes out; the server never sends binary (DOC-2)
}

var webuiModes = []webuiMode{
	// ENABLE_WEBSOCKET_SUPPORT=true, open-webui's default.
	{"websocket", []string{"websocket"}, true, []string{"websocket"}, "websocket", wireObs{WsBinaryOut: 1}},
	// ENABLE_WEBSOCKET_SUPPORT=false: the client offers both, the server
	// announces no upgrade, the tabs stay on polling.
	{"polling", []string{"polling"}, false, []string{"polling", "websocket"}, "polling", wireObs{PollingBase64Out: 1}},
}

// webuiRig is a refserver with the webui fixture and an HTTP client for
// its control API.
type webuiRig struct {
	srv    *refserver.Server
	url    string
	hc     *http.Client
	tokens map[string]string // user id → token
}

func newWebuiRig(t *testing.T, mode webuiMode) *webuiRig {
	t.Helper()
	srv, url := startServer(t, refserver.Config{
		Transports:        mode.server,
		HeartbeatInterval: webuiHeartbeat,
		Version:           webuiVersion,
		Population:        webui.Generate(webui.Sizes{Users: 10, Channels: 2, Notes: 1}),
		// When the script exits, a polling tab's held GET can be answered
		// (ydoc:user:left, caused by another tab's going) just before its
		// TCP connection is seen to close; that session then lives until
		// the ping timeout. Short pings end it within seconds, before the
		// checks after the script and Shutdown.
		PingInterval: 500 * time.Millisecond,
		PingTimeout:  2 * time.Second,
	})
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	r := &webuiRig{srv: srv, url: url, hc: &http.Client{Transport: tr, Timeout: 5 * time.Second}, tokens: map[string]string{}}
	for _, id := range []string{webuiAdmin, webuiUserA, webuiUserB} {
		tok, err := token.Mint(srv.Secret(), id, time.Hour, time.Now())
		require.NoError(t, err)
		r.tokens[id] = tok
	}
	return r
}

func (r *webuiRig) config() webuiConfig {
	return webuiConfig{
		target:      newTarget(r.url, r.srv.Config().Path, ""),
		HeartbeatMs: webuiHeartbeatMs, StreamWaitMs: 10000,
		Tabs: []webuiTab{
			{"a", r.tokens[webuiUserA], webuiColors["a"]},
			{"a2", r.tokens[webuiUserA], webuiColors["a2"]},
			{"b", r.tokens[webuiUserB], webuiColors["b"]},
		},
		StreamTabs: []string{"a", "a2"},
		TypingFrom: "b",
		Channel:    webuiChannel,
		Doc: webuiDoc{
			ID: webuiDocument, First: "a", Second: "b", Third: "a2",
			Edits: map[string]webuiEdit{"a": {webuiTextA, 1}, "b": {webuiTextB, 2}},
		},
	}
}

// do calls the control API as the admin and decodes a 2xx answer into v.
func (r *webuiRig) do(method, path string, body, v any) error {
	var rd io.Reader = http.NoBody
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.url+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+r.tokens[webuiAdmin])
	resp, err := r.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		var e struct{ Detail string }
		json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, e.Detail)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// roomsReady reports whether A's two tabs and B's tab are connected: each
// socket joins user:{id} before its CONNECT reply (AUTH-2).
func (r *webuiRig) roomsReady() bool {
	hub := r.srv.SocketIO().Hub()
	return hub.Size(webui.Namespace, "user:"+webuiUserA) == 2 && hub.Size(webui.Namespace, "user:"+webuiUserB) == 1
}

type streamResult struct {
	StreamID  string `json:"stream_id"`
	Deltas    int    `json:"deltas"`
	Events    int    `json:"events"`
	Delivered int    `json:"delivered"`
	Cancelled bool   `json:"cancelled"`
}

// TestInteropWebUI: open-webui's client flow on both transport modes.
// Startup: CLIENT-1, CLIENT-2, AUTH-2, AUTH-4, section 11; heartbeats:
// SESS-1, SESS-2; a streamed completion to both of A's tabs and not to B's:
// CHAT-1; typing: CHAN-1, CHAN-2; a note edited by two users with real Yjs
// updates, one as an int array and one binary: DOC-1, DOC-2, with a third
// joiner's state (DOC-1); the transport stays what the mode says (EIO-14)
// and no binary ever comes from the server (DOC-2, EIO-11). After the
// script leaves: SESS-4, DOC-6.
func TestInteropWebUI(t *testing.T) {
	t.Parallel()
	for _, mode := range webuiModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			r := newWebuiRig(t, mode)
			p := startNode(t, "webui", r.config())

			// CHAT-1: the stream starts once every tab is connected.
			require.Eventually(t, r.roomsReady, 10*time.Second, 10*time.Millisecond, "the three tabs never connected")
			var res streamResult
			require.NoError(t, r.do("POST", "/api/control/stream", map[string]any{
				"user_id": webuiUserA, "chat_id": webuiChatID, "message_id": webuiMessageID,
				"deltas": webuiDeltas, "interval": "10ms", "wait": true,
			}, &res))
			assert.Equal(t, streamResult{StreamID: res.StreamID, Deltas: webuiDeltas, Events: webuiDeltas + 1,
				Delivered: 2 * (webuiDeltas + 1)}, res, "CHAT-1 stream result: every event to A's two tabs")

			var obs webuiObs
			p.observe(&obs)
			for _, name := range webuiTabs {
				require.JSONEq(t, `null`, orNull(obs.Tabs[name].ConnectError), "connect_error of tab %s", name)
			}
			// The server's view while the tabs are still connected.
			r.checkServerTransports(t, obs, mode)
			docState := r.checkDocument(t, obs)
			r.checkHeartbeats(t, obs)
			p.finish()
			r.checkGone(t, obs)

			checkStartup(t, obs, mode)
			checkStream(t, obs)
			checkTyping(t, obs)
			checkDoc(t, obs, docState)
			assert.Equal(t, mode.wire, obs.Wire, "EIO-11, DOC-2 binary on the wire: b's update out, nothing in")
		})
	}
}

func orNull(raw json.RawMessage) string {
	if len(raw) == 0 {
		return `"<missing>"`
	}
	return string(raw)
}

// checkStartup: what every tab learnt at startup (CLIENT-1, CLIENT-2,
// SESS-1, AUTH-4, section 11).
func checkStartup(t *testing.T, obs webuiObs, mode webuiMode) {
	t.Helper()
	assert.Equal(t, http.StatusOK, obs.Config.Status, "GET /api/config")
	var cfg struct {
		Features struct {
			EnableWebsocket            *bool           `json:"enable_websocket"`
			WebsocketHeartbeatInterval json.RawMessage `json:"websocket_heartbeat_interval"`
		}
	}
	require.NoError(t, json.Unmarshal(obs.Config.Body, &cfg), "GET /api/config body %s", obs.Config.Body)
	assert.Equal(t, ptr(mode.enableWS), cfg.Features.EnableWebsocket, "CLIENT-2 features.enable_websocket")
	jsonEq(t, fmt.Sprint(webuiHeartbeat.Seconds()), cfg.Features.WebsocketHeartbeatInterval, "SESS-1 features.websocket_heartbeat_interval, seconds")
	assert.Equal(t, mode.client, obs.Transports, "CLIENT-2 transports the client asks for")

	acks := map[string]string{
		"a": `[{"id":"u000002","name":"User 2"}]`, "a2": `[{"id":"u000002","name":"User 2"}]`,
		"b": `[{"id":"u000003","name":"User 3"}]`,
	}
	deployments := map[string]bool{}
	for name, ack := range acks {
		tab := obs.Tabs[name]
		assert.Equal(t, mode.transport, tab.OpenTransport, "EIO-14 tab %s opens on", name)
		assert.Equal(t, mode.transport, tab.Transport, "EIO-14 tab %s ends on", name)
		assert.Equal(t, http.StatusOK, tab.Version.Status, "tab %s: GET /api/version", name)
		var v struct {
			Version      string `json:"version"`
			DeploymentID string `json:"deployment_id"`
		}
		if assert.NoError(t, json.Unmarshal(tab.Version.Body, &v), "tab %s: /api/version body %s", name, tab.Version.Body) {
			assert.Equal(t, webuiVersion, v.Version, "tab %s: version", name)
			assert.NotEmpty(t, v.DeploymentID, "tab %s: deployment_id", name)
			deployments[v.DeploymentID] = true
		}
		jsonEq(t, ack, tab.UserJoin, "AUTH-4 user-join ack of tab "+name)
		assert.Positive(t, tab.Heartbeats, "SESS-1 tab %s sent heartbeats", name)
	}
	assert.Len(t, deployments, 1, "one deployment_id for every tab")
}

// checkStream: every delta of the stream, in order, then done, at both of
// A's tabs; nothing at B's (CHAT-1).
func checkStream(t *testing.T, obs webuiObs) {
	t.Helper()
	assert.True(t, obs.StreamDone, "CHAT-1 both of A's tabs saw done:true")
	events := make([]any, 0, webuiDeltas+1)
	var text strings.Builder
	for i := 1; i <= webuiDeltas+1; i++ {
		data := map[string]any{"content": text.String(), "done": true}
		if i <= webuiDeltas {
			text.WriteString(fmt.Sprintf("tok%d ", i))
			data = map[string]any{"content": text.String(), "done": false}
		}
		events = append(events, []any{"events", map[string]any{
			"chat_id": webuiChatID, "message_id": webuiMessageID,
			"data": map[string]any{"type": "chat:completion", "data": data},
		}})
	}
	want := mustJSON(t, events)
	jsonEq(t, want, obs.Stream["a"], "CHAT-1 tab a: every chat:completion in order, then done")
	jsonEq(t, want, obs.Stream["a2"], "CHAT-1 tab a2, the same user's second tab: the same")
	jsonEq(t, `[]`, obs.Stream["b"], "CHAT-1 tab b of another user: nothing")
}

// checkTyping: B's typing reaches every socket of the channel's members
// that user-joined, B's own included, with B's identity (CHAN-1, CHAN-2,
// AUTH-7).
func checkTyping(t *testing.T, obs webuiObs) {
	t.Helper()
	want := `[["events:channel",{"channel_id":"c0001","message_id":null,` +
		`"data":{"type":"typing","data":{"typing":true}},"user":{"id":"u000003","name":"User 3"}}]]`
	jsonEq(t, want, obs.Typing["a"], "CHAN-2 typing at tab a")
	jsonEq(t, want, obs.Typing["a2"], "CHAN-2 typing at tab a2")
	jsonEq(t, want, obs.Typing["b"], "CHAN-2 typing at tab b, the sender")
}

// checkDoc: joins, the relay of both updates and the late joiner's state
// (DOC-1, DOC-2); all Y.Docs end with the same text.
func checkDoc(t *testing.T, obs webuiObs, state []int) {
	t.Helper()
	assert.Empty(t, obs.Doc.Errors, "Y.applyUpdate failures")
	a, a2, b := obs.Tabs["a"].ID, obs.Tabs["a2"].ID, obs.Tabs["b"].ID
	doc := func(fields map[string]any) map[string]any {
		fields["document_id"] = webuiDocument
		return fields
	}
	joined := func(user, name, color string) []any {
		return []any{"ydoc:user:joined", doc(map[string]any{"user_id": user, "user_name": name, "user_color": color})}
	}
	stateOf := func(state []int, sids ...string) []any {
		return []any{"ydoc:document:state", doc(map[string]any{"state": state, "sessions": slices.Sorted(slices.Values(sids))})}
	}
	// user_id: the payload's when given (a's), else the sender's sid (b's binary update).
	update := func(user, from string, u []int) []any {
		return []any{"ydoc:document:update", doc(map[string]any{"user_id": user, "update": u, "socket_id": from})}
	}
	want := map[string][]any{
		"a": {stateOf([]int{0, 0}, a), joined(webuiUserB, "User 3", webuiColors["b"]),
			update(b, b, obs.Doc.Sent["b"]), joined(webuiUserA, "User 2", webuiColors["a2"])},
		"b":  {stateOf([]int{0, 0}, a, b), update(webuiUserA, a, obs.Doc.Sent["a"]), joined(webuiUserA, "User 2", webuiColors["a2"])},
		"a2": {stateOf(state, a, b, a2)},
	}
	for _, name := range []string{"a", "b", "a2"} {
		jsonEq(t, mustJSON(t, want[name]), obs.Doc.Events[name], "DOC-1, DOC-2 ydoc events at tab "+name)
	}
	assert.NotEmpty(t, obs.Doc.Sent["a"], "a's update")
	assert.NotEmpty(t, obs.Doc.Sent["b"], "b's update")
	assert.Equal(t, map[string]string{"a": webuiTextMerged, "b": webuiTextMerged, "a2": webuiTextMerged}, obs.Doc.Text,
		"DOC-2 the editors converge; DOC-1 the late joiner's state holds both edits")
}

// checkServerTransports: the server serves each tab's socket on the mode's
// transport (EIO-14).
func (r *webuiRig) checkServerTransports(t *testing.T, obs webuiObs, mode webuiMode) {
	t.Helper()
	for _, name := range webuiTabs {
		s := r.srv.SocketIO().Socket(obs.Tabs[name].ID)
		if assert.NotNil(t, s, "server has no socket for tab %s (%q)", name, obs.Tabs[name].ID) {
			assert.Equal(t, mode.transport, s.Transport(), "EIO-14 server-side transport of tab %s", name)
		}
	}
}

// checkDocument reads the note's document through the control API: two
// stored updates and the three members (DOC-2). It returns the state.
func (r *webuiRig) checkDocument(t *testing.T, obs webuiObs) []int {
	t.Helper()
	var d struct {
		State   []int    `json:"state"`
		Updates int      `json:"updates"`
		Members []string `json:"members"`
	}
	require.NoError(t, r.do("GET", "/api/control/documents/"+webuiDocument, nil, &d))
	assert.Equal(t, 2, d.Updates, "DOC-2 both updates stored, the binary one included")
	assert.ElementsMatch(t, []string{obs.Tabs["a"].ID, obs.Tabs["a2"].ID, obs.Tabs["b"].ID}, d.Members, "DOC-1 members")
	return d.State
}

// checkHeartbeats: heartbeats refresh last_seen_at and last_active_at, and
// re-create a reaped entry (SESS-2). a's entry is made stale, a2's is
// removed, A's last_active_at is put back; the tabs' heartbeats, still
// running, must repair all three.
func (r *webuiRig) checkHeartbeats(t *testing.T, obs webuiObs) {
	t.Helper()
	app := r.srv.App()
	a, a2 := obs.Tabs["a"].ID, obs.Tabs["a2"].ID
	before := time.Now().Unix()
	e, ok, err := app.Sessions().Get(a)
	require.NoError(t, err)
	require.True(t, ok, "AUTH-2 tab a has a session")
	e.LastSeenAt, e.LastActiveAt = 1, 1
	require.NoError(t, app.Sessions().Set(a, e))
	require.NoError(t, app.Sessions().Delete(a2))
	app.Population().Touch(webuiUserA, 1)

	// poll reads the pool and A through the control API.
	poll := func() (pool map[string]webui.SessionEntry, lastActive int64, err error) {
		var user struct {
			LastActiveAt int64 `json:"last_active_at"`
		}
		if err = r.do("GET", "/api/control/sessions", nil, &pool); err == nil {
			err = r.do("GET", "/api/control/users/"+webuiUserA, nil, &user)
		}
		return pool, user.LastActiveAt, err
	}
	assert.Eventually(t, func() bool {
		pool, lastActive, err := poll()
		return err == nil && pool[a].LastSeenAt >= before && pool[a].LastActiveAt >= before &&
			pool[a2].LastSeenAt >= before && lastActive >= before
	}, 3*time.Second, 20*time.Millisecond, "SESS-2 heartbeats refresh the sessions and last_active_at")
	pool, lastActive, err := poll()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, pool[a].LastSeenAt, before, "SESS-2 tab a: last_seen_at refreshed")
	assert.GreaterOrEqual(t, pool[a].LastActiveAt, before, "SESS-2 tab a: last_active_at refreshed")
	assert.GreaterOrEqual(t, pool[a2].LastSeenAt, before, "SESS-2 tab a2: reaped entry re-created")
	assert.GreaterOrEqual(t, lastActive, before, "SESS-2 user %s: last_active_at updated", webuiUserA)
	assert.Len(t, pool, 3, "AUTH-2 one session per tab")
	for sid, want := range map[string]string{a: webuiUserA, a2: webuiUserA, obs.Tabs["b"].ID: webuiUserB} {
		assert.Equal(t, want, pool[sid].ID, "AUTH-2 session of %s", sid)
	}
}

// checkGone: once the tabs have left, their sessions are gone (SESS-4) and
// so is the document's store (DOC-6).
func (r *webuiRig) checkGone(t *testing.T, obs webuiObs) {
	t.Helper()
	app := r.srv.App()
	assert.Eventually(t, func() bool {
		all, err := app.Sessions().All()
		_, updates, members := app.DocumentState(webuiDocument)
		return err == nil && len(all) == 0 && updates == 0 && len(members) == 0
	}, 8*time.Second, 20*time.Millisecond, "SESS-4, DOC-6 sessions and the document cleared after the tabs left")
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
