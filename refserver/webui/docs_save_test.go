package webui

import (
	"encoding/json"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver/sio"
)

// fakeDocSocket is a docSocket without a connection, so that the relay
// runs inside a synctest bubble (real sockets block on the network, which
// a bubble's clock cannot wait for).
type fakeDocSocket struct {
	id    string
	st    *socketState
	rooms map[string]bool
}

func (f *fakeDocSocket) ID() string              { return f.id }
func (f *fakeDocSocket) Join(room string)        { f.rooms[room] = true }
func (f *fakeDocSocket) Leave(room string)       { delete(f.rooms, room) }
func (f *fakeDocSocket) InRoom(room string) bool { return f.rooms[room] }
func (f *fakeDocSocket) Data() any               { return f.st }

// docApp is an App on a Socket.IO server with no connections: emits reach
// nobody, the relay's state is all there is to look at.
func docApp(t *testing.T, profile Profile) *App {
	t.Helper()
	a, err := New(Config{Secret: []byte("k"), Profile: profile, Population: Generate(Sizes{Users: 5, Channels: 1, Notes: 3})})
	require.NoError(t, err)
	a.Attach(sio.New(nil, a.Namespace()))
	return a
}

// fakeSession is a socket with the session of user.
func fakeSession(t *testing.T, a *App, sid, user string) *fakeDocSocket {
	t.Helper()
	u, ok := a.pop.User(user)
	require.True(t, ok)
	e := entryFor(u, time.Now().Unix())
	require.NoError(t, a.sessions.Set(sid, e))
	st := &socketState{userID: user}
	st.entry.Store(&e)
	return &fakeDocSocket{id: sid, st: st, rooms: map[string]bool{}}
}

func saves(a *App, note string) (string, int) {
	content, n, _ := a.pop.NoteContent(note)
	return string(content), n
}

// DOC-3: an update carrying data saves the note 0.5 s later; a newer one
// with data replaces the pending save; one without data (a resync) never
// cancels it. On synctest's clock.
func TestDocSaveDebounce(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		a := docApp(t, ProfileDocumented)
		s := fakeSession(t, a, "sid-a", UserID(2))
		a.docJoin(s, docRequest{ID: "note:n0001"})
		require.True(t, s.InRoom("doc_note:n0001"))
		edit := func(data string) {
			p := docRequest{ID: "note:n0001", Update: []byte{0, 0}, HasUpdate: true}
			if data != "" {
				p.Data = json.RawMessage(data)
			}
			a.docUpdate(s, p)
		}

		edit(`{"v":1}`) // t=0: save due at 0.5
		time.Sleep(400 * time.Millisecond)
		synctest.Wait()
		_, n := saves(a, "n0001")
		assert.Zero(t, n, "t=0.4: not yet")

		edit(`{"v":2}`) // t=0.4: replaces the save, due at 0.9
		time.Sleep(300 * time.Millisecond)
		synctest.Wait()
		_, n = saves(a, "n0001")
		assert.Zero(t, n, "t=0.7: the first save was replaced")

		edit("")      // t=0.7: a resync does not cancel
		edit(`{}`)    // empty data is no data (upstream's truthiness)
		edit(`null`)  // nor is null
		edit(`false`) // nor false
		time.Sleep(199 * time.Millisecond)
		synctest.Wait()
		_, n = saves(a, "n0001")
		assert.Zero(t, n, "t=0.899: still pending")

		time.Sleep(time.Millisecond)
		synctest.Wait()
		content, n := saves(a, "n0001")
		assert.Equal(t, 1, n, "t=0.9: saved once")
		assert.Equal(t, `{"v":2}`, content, "with the newest data")

		time.Sleep(2 * time.Second)
		synctest.Wait()
		_, n = saves(a, "n0001")
		assert.Equal(t, 1, n, "nothing else was pending")

		edit(`{"v":3}`)
		a.docLeave(s, docRequest{ID: "note:n0001"}) // the last one out
		time.Sleep(500 * time.Millisecond)
		synctest.Wait()
		content, n = saves(a, "n0001")
		assert.Equal(t, 2, n, "a pending save survives the document's deletion")
		assert.Equal(t, `{"v":3}`, content)
	})
}

// DOC-3: saves are per document, and only notes are saved; a scratch
// document's data is never saved anywhere.
func TestDocSavePerDocument(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		a := docApp(t, ProfileOpenWebUI)
		s := fakeSession(t, a, "sid-a", UserID(1))
		for _, doc := range []string{"note:n0001", "note:n0003", "scratch"} {
			a.docJoin(s, docRequest{ID: doc})
			a.docUpdate(s, docRequest{ID: doc, Update: []byte{0, 0}, HasUpdate: true, Data: json.RawMessage(`"` + doc + `"`)})
		}
		time.Sleep(time.Second)
		synctest.Wait()
		for note, want := range map[string]string{"n0001": `"note:n0001"`, "n0003": `"note:n0003"`} {
			content, n := saves(a, note)
			assert.Equal(t, 1, n, note)
			assert.Equal(t, want, content, note)
		}
		_, n := saves(a, "n0002")
		assert.Zero(t, n)
	})
}

// DOC-3: the save checks write access again when it runs, as upstream's
// document_save_handler does.
func TestDocSaveRechecksAccess(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		a := docApp(t, ProfileDocumented)
		s := fakeSession(t, a, "sid-a", UserID(2))
		a.docJoin(s, docRequest{ID: "note:n0001"})
		a.docUpdate(s, docRequest{ID: "note:n0001", Update: []byte{0, 0}, HasUpdate: true, Data: json.RawMessage(`1`)})
		a.pop.DeleteUser(UserID(2))
		time.Sleep(time.Second)
		synctest.Wait()
		_, n := saves(a, "n0001")
		assert.Zero(t, n, "a user deleted meanwhile saves nothing")
	})
}

// A join racing the socket's disconnect: when the room refuses the socket
// (sio's Join after cleanup), the relay undoes the membership it recorded
// and tells nobody.
func TestDocJoinAfterDisconnect(t *testing.T) {
	t.Parallel()
	a := docApp(t, ProfileDocumented)
	s := &closedDocSocket{fakeSession(t, a, "sid-a", UserID(2))}
	a.docJoin(s, docRequest{ID: "note:n0001"})
	_, _, members := a.DocumentState("note:n0001")
	assert.Empty(t, members)
	assert.Empty(t, s.st.docIDs())
}

// closedDocSocket is a socket whose cleanup ran: joins do nothing.
type closedDocSocket struct{ *fakeDocSocket }

func (c *closedDocSocket) Join(string) {}
