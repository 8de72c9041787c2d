package webui_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/yjs"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// The collaborative documents (PROTOCOL.md section 7) through a real
// refserver. Users of docEnv's population: u000001 admin; notes n0001
// (everyone writes), n0002 (everyone reads, u000001 writes), n0003
// (u000001 only).

// Two real Yjs updates by one client (testdata/node/yjs typing): "hello"
// into root text "text" and a map entry.
var (
	upHello = mustHex("0101922100040104746578740568656c6c6f00")
	upMap   = mustHex("01019221052801036d6170026b32017b427000000000400000")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// ints is a byte slice as the int array the protocol carries.
func intsOf(b []byte) []int {
	out := make([]int, len(b))
	for i, c := range b {
		out[i] = int(c)
	}
	return out
}

var docProfiles = []string{webui.ProfileDocumented.Name, webui.ProfileOpenWebUI.Name}

// docMsg is the first argument of every ydoc:* event the server sends.
type docMsg struct {
	DocumentID string   `json:"document_id"`
	State      []int    `json:"state"`
	Sessions   []string `json:"sessions"`
	UserID     any      `json:"user_id"`
	UserName   any      `json:"user_name"`
	UserColor  any      `json:"user_color"`
	Update     any      `json:"update"`
	SocketID   string   `json:"socket_id"`
	Message    string   `json:"message"`
}

// msg decodes an event's first argument; the server never sends binary
// here (DOC-2).
func docArg(t testing.TB, ev client.Event) docMsg {
	t.Helper()
	assert.Empty(t, ev.Attachments, "%s carries binary attachments", ev.Name)
	require.NotEmpty(t, ev.Args, ev.Name)
	var m docMsg
	require.NoError(t, json.Unmarshal(ev.Args[0], &m), "%s: %s", ev.Name, ev.Args[0])
	return m
}

// updateInts decodes a relayed update, which must be an int array.
func updateInts(t testing.TB, ev client.Event) []int {
	t.Helper()
	var m struct {
		Update []int `json:"update"`
	}
	require.NoError(t, json.Unmarshal(ev.Args[0], &m), "update of %s is not an int array: %s", ev.Name, ev.Args[0])
	return m.Update
}

func joinDoc(t testing.TB, tb *tab, doc string, extra ...any) docMsg {
	t.Helper()
	p := map[string]any{"document_id": doc}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i].(string)] = extra[i+1]
	}
	n := len(tb.got("ydoc:document:state"))
	tb.emit(t, "ydoc:document:join", p)
	evs := tb.wait(t, "ydoc:document:state", n+1)
	return docArg(t, evs[n])
}

// joinAll joins the tabs to doc in order, then forgets every event so
// far. Two rounds of syncs: after the first every join handler has run (a
// socket's events are handled in order, SIO-8), after the second every tab
// has received what those handlers sent it.
func joinAll(t testing.TB, doc string, tabs ...*tab) {
	t.Helper()
	for _, tb := range tabs {
		joinDoc(t, tb, doc)
	}
	settle(t, tabs...)
}

// settle syncs the tabs twice over and forgets their events.
func settle(t testing.TB, tabs ...*tab) {
	t.Helper()
	for range 2 {
		for _, tb := range tabs {
			tb.sync(t)
		}
	}
	for _, tb := range tabs {
		tb.reset()
	}
}

func sendUpdate(t testing.TB, tb *tab, doc string, u any, extra ...any) {
	t.Helper()
	p := map[string]any{"document_id": doc, "update": u}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i].(string)] = extra[i+1]
	}
	tb.emit(t, "ydoc:document:update", p)
}

func sortedSIDs(sids ...string) []string {
	out := append([]string(nil), sids...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// DOC-1: a reader joins doc_{id} and gets the state ([0,0] when empty) and
// the sids in the room; the others get ydoc:user:joined with what the
// joiner announced (upstream's defaults: its sid, "Anonymous", "#000000");
// the joiner does not. note_x is note:x. Both docProfiles.
func TestDocJoin(t *testing.T) {
	t.Parallel()
	for _, profile := range docProfiles {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			e := newDocEnv(t, profile)
			a, b := e.connect(t, "u000002"), e.connect(t, "u000003")

			st := joinDoc(t, a, "note:n0001", "user_id", "ua", "user_name", "A", "user_color", "#111111")
			assert.Equal(t, docMsg{DocumentID: "note:n0001", State: []int{0, 0}, Sessions: []string{a.sid()}}, st)
			assert.True(t, e.inRoom(a, "doc_note:n0001"))

			st = joinDoc(t, b, "note_n0001")
			assert.Equal(t, "note:n0001", st.DocumentID, "note_x is normalised")
			assert.Equal(t, []int{0, 0}, st.State)
			assert.Equal(t, sortedSIDs(a.sid(), b.sid()), st.Sessions)
			assert.True(t, e.inRoom(b, "doc_note:n0001"))
			assert.False(t, e.inRoom(b, "doc_note_n0001"))

			joined := docArg(t, a.wait(t, "ydoc:user:joined", 1)[0])
			assert.Equal(t, docMsg{DocumentID: "note:n0001", UserID: b.sid(), UserName: "Anonymous", UserColor: "#000000"}, joined)
			b.sync(t)
			assert.Empty(t, b.got("ydoc:user:joined"), "the joiner is not told about itself")
			a.sync(t)
			assert.Len(t, a.got("ydoc:user:joined"), 1)

			c := e.connect(t, "u000004")
			settle(t, a, b)
			joinDoc(t, c, "note:n0001", "user_id", map[string]any{"any": "json"}, "user_name", nil)
			for _, tb := range []*tab{a, b} {
				m := docArg(t, tb.wait(t, "ydoc:user:joined", 1)[0])
				assert.Equal(t, map[string]any{"any": "json"}, m.UserID, "announced values are relayed as sent")
				assert.Nil(t, m.UserName, "an explicit null stays null, as upstream's data.get")
			}
			_, n, members := e.app().DocumentState("note:n0001")
			assert.Zero(t, n)
			assert.Equal(t, sortedSIDs(a.sid(), b.sid(), c.sid()), members)
		})
	}
}

// DOC-1, AUTH-7: access comes from the session's user; without read access
// nothing at all is sent and the socket is not in the room, however the id
// is written. Admins and readers join.
func TestDocJoinDenied(t *testing.T) {
	t.Parallel()
	e := newDocEnv(t, "")
	u2 := e.connect(t, "u000002")
	for _, doc := range []string{"note:n0003", "note_n0003", "note:n0003:x", "note:n9999", "note:", "scratch", "doc_x"} {
		u2.emit(t, "ydoc:document:join", map[string]any{"document_id": doc, "user_id": "u000001"})
		u2.quiet(t, doc)
		assert.False(t, e.inRoom(u2, "doc_"+doc), doc)
		assert.False(t, e.inRoom(u2, "doc_note:n0003"), doc)
	}
	_, _, members := e.app().DocumentState("note:n0003")
	assert.Empty(t, members)

	admin := e.connect(t, "u000001")
	assert.Equal(t, []string{admin.sid()}, joinDoc(t, admin, "note:n0003").Sessions, "admins read every note")
	reader := e.connect(t, "u000003")
	assert.Equal(t, "note:n0002", joinDoc(t, reader, "note:n0002").DocumentID, "a read grant is enough to join")
	owner := e.connect(t, "u000004")
	joinDoc(t, owner, "note:n0004")
}

// DOC-1, docProfiles: non-note documents are refused under documented and
// open scratch rooms for any session socket under open-webui; a socket
// without a session (open-webui's anonymous one) joins nothing.
func TestDocJoinScratch(t *testing.T) {
	t.Parallel()
	doc := newDocEnv(t, webui.ProfileDocumented.Name)
	d := doc.connect(t, "u000002")
	d.emit(t, "ydoc:document:join", map[string]any{"document_id": "scratch-1"})
	d.quiet(t, "documented refuses scratch documents")
	assert.False(t, doc.inRoom(d, "doc_scratch-1"))

	up := newDocEnv(t, webui.ProfileOpenWebUI.Name)
	a, b := up.connect(t, "u000002"), up.connect(t, "nochan01")
	assert.Equal(t, []int{0, 0}, joinDoc(t, a, "scratch-1").State)
	assert.Equal(t, sortedSIDs(a.sid(), b.sid()), joinDoc(t, b, "scratch-1").Sessions)
	sendUpdate(t, b, "scratch-1", intsOf(upHello))
	assert.Equal(t, intsOf(upHello), updateInts(t, a.wait(t, "ydoc:document:update", 1)[0]), "any member writes a scratch room")

	anon := up.anonymous(t)
	for _, p := range []any{map[string]any{"document_id": "scratch-1"}, map[string]any{"document_id": "note:n0001"}, map[string]any{}} {
		anon.emit(t, "ydoc:document:join", p)
	}
	anon.quiet(t, "a socket without a session")
	assert.False(t, up.inRoom(anon, "doc_scratch-1"))
}

// DOC-1: a join without a usable document_id is answered with
// error {message:"Failed to join document"}; the connection stays.
func TestDocJoinBadPayload(t *testing.T) {
	t.Parallel()
	e := newDocEnv(t, webui.ProfileOpenWebUI.Name)
	a, other := e.connect(t, "u000002"), e.connect(t, "u000003")
	joinAll(t, "note:n0001", other)
	for _, data := range []string{
		`["ydoc:document:join"]`,
		`["ydoc:document:join",{}]`,
		`["ydoc:document:join",{"document_id":5}]`,
		`["ydoc:document:join",{"document_id":""}]`,
		`["ydoc:document:join",{"document_id":null}]`,
		`["ydoc:document:join","note:n0001"]`,
		`["ydoc:document:join",5]`,
		`["ydoc:document:join",null]`,
		`["ydoc:document:join",["note:n0001"]]`,
	} {
		a.reset()
		a.emitRaw(t, data)
		a.sync(t)
		evs := a.got("error")
		if assert.Len(t, evs, 1, data) {
			assert.Equal(t, docMsg{Message: "Failed to join document"}, docArg(t, evs[0]), data)
		}
		assert.True(t, a.connected(), data)
	}
	other.quiet(t, "other members")
	assert.Equal(t, "note:n0001", joinDoc(t, a, "note:n0001").DocumentID, "a good join still works")
}

// DOC-2: an update from a writer is stored and relayed to the other
// members, not to the sender, as {document_id, user_id, update, socket_id}:
// user_id as sent or else the sender's sid, update an int array, also when
// it came binary. A joiner then gets the merged state. Both docProfiles.
func TestDocUpdate(t *testing.T) {
	t.Parallel()
	for _, profile := range docProfiles {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			e := newDocEnv(t, profile)
			a, b, c := e.connect(t, "u000002"), e.connect(t, "u000003"), e.connect(t, "u000004")
			joinAll(t, "note:n0001", a, b, c)

			sendUpdate(t, a, "note:n0001", intsOf(upHello), "user_id", "ua")
			for _, tb := range []*tab{b, c} {
				ev := tb.wait(t, "ydoc:document:update", 1)[0]
				assert.Equal(t, docMsg{DocumentID: "note:n0001", UserID: "ua", SocketID: a.sid(), Update: jsonInts(upHello)}, docArg(t, ev))
			}

			sendUpdate(t, a, "note_n0001", upMap) // binary: a BINARY_EVENT with a placeholder
			for _, tb := range []*tab{b, c} {
				ev := tb.wait(t, "ydoc:document:update", 2)[1]
				assert.Equal(t, docMsg{DocumentID: "note:n0001", UserID: a.sid(), SocketID: a.sid(), Update: jsonInts(upMap)}, docArg(t, ev),
					"a binary update goes out as ints; user_id defaults to the sid; note_x is note:x")
			}
			a.quiet(t, "the sender")

			state, n, _ := e.app().DocumentState("note:n0001")
			assert.Equal(t, 2, n)
			want, err := yjs.MergeUpdates([][]byte{upHello, upMap})
			require.NoError(t, err)
			assert.Equal(t, want, state)

			d := e.connect(t, "u000005")
			assert.Equal(t, intsOf(want), joinDoc(t, d, "note:n0001").State)
		})
	}
}

func jsonInts(b []byte) []any {
	out := make([]any, len(b))
	for i, c := range b {
		out[i] = float64(c)
	}
	return out
}

// DOC-2: updates from a reader, a stranger (not in the room) or a member
// of another document are dropped: not stored, not relayed.
func TestDocUpdateDropped(t *testing.T) {
	t.Parallel()
	e := newDocEnv(t, "")
	admin, reader := e.connect(t, "u000001"), e.connect(t, "u000002")
	joinAll(t, "note:n0002", admin, reader)
	elsewhere := e.connect(t, "u000003")
	joinAll(t, "note:n0001", elsewhere)
	stranger := e.connect(t, "u000004")

	sendUpdate(t, reader, "note:n0002", intsOf(upHello))
	sendUpdate(t, stranger, "note:n0002", intsOf(upHello))
	sendUpdate(t, elsewhere, "note:n0002", intsOf(upHello))
	sendUpdate(t, stranger, "note:n0001", upMap)
	for name, tb := range map[string]*tab{"admin": admin, "reader": reader, "elsewhere": elsewhere, "stranger": stranger} {
		tb.quiet(t, name)
	}
	for _, doc := range []string{"note:n0001", "note:n0002"} {
		_, n, _ := e.app().DocumentState(doc)
		assert.Zero(t, n, doc)
	}

	sendUpdate(t, admin, "note:n0002", intsOf(upHello))
	assert.Equal(t, intsOf(upHello), updateInts(t, reader.wait(t, "ydoc:document:update", 1)[0]), "the writer's update passes")
}

// DOC-2, SIO-6: bad payloads are dropped without a crash, without an ack
// nobody asked for, and without harm to the connection or the others:
// not an object, no document_id, no update, an update that is not a byte
// array, an update over MaxDocUpdate.
func TestDocUpdateBadInputs(t *testing.T) {
	t.Parallel()
	e := newDocEnv(t, "", func(c *refserver.Config) { c.MaxPayload = 4 * webui.MaxDocUpdate })
	a, b := e.connect(t, "u000002"), e.connect(t, "u000003")
	joinAll(t, "note:n0001", a, b)

	over := bytes.Repeat([]byte("0,"), webui.MaxDocUpdate+1)
	for _, data := range []string{
		`["ydoc:document:update"]`,
		`["ydoc:document:update","note:n0001"]`,
		`["ydoc:document:update",7]`,
		`["ydoc:document:update",null]`,
		`["ydoc:document:update",[1,2]]`,
		`["ydoc:document:update",{"update":[1,2]}]`,
		`["ydoc:document:update",{"document_id":"note:n0001"}]`,
		`["ydoc:document:update",{"document_id":"note:n0001","update":null}]`,
		`["ydoc:document:update",{"document_id":"note:n0001","update":"AAE="}]`,
		`["ydoc:document:update",{"document_id":"note:n0001","update":{"0":1}}]`,
		`["ydoc:document:update",{"document_id":"note:n0001","update":[256]}]`,
		`["ydoc:document:update",{"document_id":"note:n0001","update":[-1]}]`,
		`["ydoc:document:update",{"document_id":"note:n0001","update":[1.5]}]`,
		`["ydoc:document:update",{"document_id":"note:n0001","update":[1.0]}]`,
		`["ydoc:document:update",{"document_id":"note:n0001","update":[1e1]}]`,
		`["ydoc:document:update",{"document_id":"note:n0001","update":["1"]}]`,
		`["ydoc:document:update",{"document_id":"note:n0001","update":[1,[2]]}]`,
		`["ydoc:document:update",{"document_id":"note:n0001","update":[99999999999999999999999]}]`,
		`["ydoc:document:update",{"document_id":"note:n0001","update":{"_placeholder":true,"num":0}}]`,
		`["ydoc:document:update",{"document_id":"note:n0001","update":[` + string(over[:len(over)-1]) + `]}]`,
	} {
		a.emitRaw(t, data)
	}
	sendUpdate(t, a, "note:n0001", make([]byte, webui.MaxDocUpdate+1)) // binary, one byte too many
	a.quiet(t, "sender")
	b.quiet(t, "other member")
	assert.True(t, a.connected())
	_, n, _ := e.app().DocumentState("note:n0001")
	assert.Zero(t, n, "nothing stored")

	sendUpdate(t, a, "note:n0001", bytes.Repeat([]byte{0xff}, webui.MaxDocUpdate)) // exactly the limit
	assert.Len(t, updateInts(t, b.wait(t, "ydoc:document:update", 1)[0]), webui.MaxDocUpdate)
	sendUpdate(t, a, "note:n0001", []int{})
	assert.Empty(t, updateInts(t, b.wait(t, "ydoc:document:update", 2)[1]), "an empty array is a byte array")
	_, n, _ = e.app().DocumentState("note:n0001")
	assert.Equal(t, 2, n)
	state, _, _ := e.app().DocumentState("note:n0001")
	assert.Equal(t, yjs.EmptyUpdate, state, "updates that are not Yjs updates are relayed but left out of the state")
}

// DOC-4: a member asking for the state gets it again, a non-member gets
// nothing; awareness goes to the other members with the session's user
// id, whatever the payload says, and is not stored.
func TestDocStateAndAwareness(t *testing.T) {
	t.Parallel()
	e := newDocEnv(t, "")
	a, b, stranger := e.connect(t, "u000002"), e.connect(t, "u000003"), e.connect(t, "u000004")
	joinAll(t, "note:n0001", a, b)
	sendUpdate(t, a, "note:n0001", intsOf(upHello))
	b.wait(t, "ydoc:document:update", 1)

	b.emit(t, "ydoc:document:state", map[string]any{"document_id": "note_n0001"})
	st := docArg(t, b.wait(t, "ydoc:document:state", 1)[0])
	assert.Equal(t, docMsg{DocumentID: "note:n0001", State: intsOf(upHello), Sessions: sortedSIDs(a.sid(), b.sid())}, st)
	stranger.emit(t, "ydoc:document:state", map[string]any{"document_id": "note:n0001"})
	stranger.emit(t, "ydoc:document:state", "note:n0001")
	stranger.quiet(t, "a non-member asking for the state")

	a.reset()
	b.reset()
	a.emit(t, "ydoc:awareness:update", map[string]any{"document_id": "note:n0001", "user_id": "u000001", "update": []int{1, 2, 3}})
	aw := docArg(t, b.wait(t, "ydoc:awareness:update", 1)[0])
	assert.Equal(t, docMsg{DocumentID: "note:n0001", UserID: "u000002", Update: jsonInts([]byte{1, 2, 3})}, aw)
	a.emit(t, "ydoc:awareness:update", map[string]any{"document_id": "note:n0001", "update": []byte{4, 5}})
	assert.Equal(t, []int{4, 5}, updateInts(t, b.wait(t, "ydoc:awareness:update", 2)[1]), "binary awareness goes out as ints")
	stranger.emit(t, "ydoc:awareness:update", map[string]any{"document_id": "note:n0001", "update": []int{9}})
	a.emit(t, "ydoc:awareness:update", map[string]any{"document_id": "note:n0001"})
	a.quiet(t, "the sender")
	b.sync(t)
	assert.Len(t, b.got("ydoc:awareness:update"), 2, "nothing from a stranger or without update")
	_, n, _ := e.app().DocumentState("note:n0001")
	assert.Equal(t, 1, n, "awareness is not stored")
}

// DOC-6, SESS-4: leaving (by event or by disconnecting) takes the socket
// out of the room and tells the rest ydoc:user:left with the user id it
// announced (or the leave's own); the last one out deletes the stored
// updates, so the next joiner gets [0,0].
func TestDocLeave(t *testing.T) {
	t.Parallel()
	e := newDocEnv(t, "")
	a, b, c := e.connect(t, "u000002"), e.connect(t, "u000003"), e.connect(t, "u000004")
	joinDoc(t, a, "note:n0001", "user_id", "ua")
	joinDoc(t, b, "note:n0001", "user_id", "ub")
	joinDoc(t, c, "note:n0001")
	sendUpdate(t, a, "note:n0001", intsOf(upHello))
	settle(t, a, b, c)

	c.emit(t, "ydoc:document:leave", map[string]any{"document_id": "note_n0001"})
	for _, tb := range []*tab{a, b} {
		assert.Equal(t, docMsg{DocumentID: "note:n0001", UserID: c.sid()}, docArg(t, tb.wait(t, "ydoc:user:left", 1)[0]))
	}
	c.quiet(t, "the leaver")
	assert.False(t, e.inRoom(c, "doc_note:n0001"))
	c.emit(t, "ydoc:document:leave", map[string]any{"document_id": "note:n0001"})
	c.emit(t, "ydoc:document:leave", map[string]any{})
	c.emit(t, "ydoc:document:leave", "note:n0001")
	c.quiet(t, "leaving again")
	a.sync(t)
	assert.Len(t, a.got("ydoc:user:left"), 1, "a non-member's leave tells nobody")

	require.NoError(t, b.conn.Close())
	assert.Equal(t, docMsg{DocumentID: "note:n0001", UserID: "ub"}, docArg(t, a.wait(t, "ydoc:user:left", 2)[1]),
		"a disconnect leaves with the user id announced at join")
	state, n, members := e.app().DocumentState("note:n0001")
	assert.Equal(t, 1, n, "a member is left: the updates stay")
	assert.Equal(t, upHello, state)
	assert.Equal(t, []string{a.sid()}, members)

	a.emit(t, "ydoc:document:leave", map[string]any{"document_id": "note:n0001", "user_id": "ua-left"})
	a.sync(t)
	assert.False(t, e.inRoom(a, "doc_note:n0001"))
	state, n, members = e.app().DocumentState("note:n0001")
	assert.Zero(t, n, "the last one out deletes the updates")
	assert.Equal(t, yjs.EmptyUpdate, state)
	assert.Empty(t, members)

	d := e.connect(t, "u000005")
	assert.Equal(t, []int{0, 0}, joinDoc(t, d, "note:n0001").State, "the next joiner starts empty")
}

// DOC-3 end to end: an update carrying data saves the note, about 0.5 s
// later (the timing itself is TestDocSaveDebounce's, on a fake clock).
func TestDocUpdateSavesNote(t *testing.T) {
	t.Parallel()
	e := newDocEnv(t, "")
	a := e.connect(t, "u000002")
	joinDoc(t, a, "note:n0001")
	sendUpdate(t, a, "note:n0001", intsOf(upHello), "data", map[string]any{"content": map[string]any{"md": "hello"}})
	require.Eventually(t, func() bool {
		_, saves, _ := e.app().Population().NoteContent("n0001")
		return saves == 1
	}, rigWait, 10*time.Millisecond)
	content, _, _ := e.app().Population().NoteContent("n0001")
	assert.JSONEq(t, `{"content":{"md":"hello"}}`, string(content))
}

// DOC-5: the stored updates are compacted into one when they reach 500;
// the compacted state builds the same document as the 520 updates (checked
// by the yjs npm package), and every update was relayed.
func TestDocCompaction(t *testing.T) {
	t.Parallel()
	var typed struct{ Updates [][]byte }
	require.NoError(t, json.Unmarshal(yjsNode(t, nil, "typing", "3", "520"), &typed))
	require.Len(t, typed.Updates, 520)

	e := newDocEnv(t, "")
	a, b := e.connect(t, "u000002"), e.connect(t, "u000003")
	joinAll(t, "note:n0001", a, b)
	for _, u := range typed.Updates[:499] {
		sendUpdate(t, a, "note:n0001", intsOf(u))
	}
	a.sync(t)
	_, n, _ := e.app().DocumentState("note:n0001")
	assert.Equal(t, 499, n)
	sendUpdate(t, a, "note:n0001", intsOf(typed.Updates[499]))
	a.sync(t)
	_, n, _ = e.app().DocumentState("note:n0001")
	assert.Equal(t, 1, n, "compacted at 500")
	for _, u := range typed.Updates[500:] {
		sendUpdate(t, a, "note:n0001", u)
	}
	a.sync(t)
	state, n, _ := e.app().DocumentState("note:n0001")
	assert.Equal(t, 21, n, "later updates are stored after the compacted one")

	relayed := b.wait(t, "ydoc:document:update", 520)
	for i, ev := range relayed {
		require.Equal(t, intsOf(typed.Updates[i]), updateInts(t, ev), "relayed update %d", i)
	}
	c := e.connect(t, "u000004")
	assert.Equal(t, intsOf(state), joinDoc(t, c, "note:n0001").State)

	in, err := json.Marshal(map[string]any{"cases": []map[string]any{{"name": "compacted", "updates": typed.Updates, "merged": state}}})
	require.NoError(t, err)
	var out struct {
		Results []struct {
			OK  bool
			Why string
		}
	}
	require.NoError(t, json.Unmarshal(yjsNode(t, in, "check"), &out))
	require.Len(t, out.Results, 1)
	assert.True(t, out.Results[0].OK, out.Results[0].Why)
}

// yjsNode runs testdata/node/yjs/fixtures.js (the yjs npm package that
// `make node-deps` installs) and returns its stdout.
func yjsNode(t testing.TB, stdin []byte, args ...string) []byte {
	t.Helper()
	bin, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node not found in PATH (%v): install Node.js and run make node-deps", err)
	}
	dir := filepath.Join("..", "..", "testdata", "node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "yjs", "package.json")); err != nil {
		t.Fatalf("the yjs npm package is not installed in %s (%v): run make node-deps", dir, err)
	}
	cmd := exec.Command(bin, append([]string{filepath.Join("yjs", "fixtures.js")}, args...)...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.WaitDelay = time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "node fixtures.js %v: %s", args, stderr.String())
	return out
}
