package app

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
)

const (
	reqDOC1 = "DOC-1: ydoc:document:join {document_id, user_id?, user_name?, user_color?} from a session socket. note_x is normalised to note:x. For note: ids the user needs read access. On success: join doc_{id}, send ydoc:document:state {document_id, state:[ints], sessions:[sids]} to the joiner (empty state is [0,0]), and ydoc:user:joined {document_id, user_id, user_name, user_color} to the others. Denied: nothing is sent. Missing document_id: error {message:\"Failed to join document\"}."
	reqDOC2 = "DOC-2: ydoc:document:update {document_id, update:[ints] or binary, data?} from a member with write access: stored, and relayed to the other members as {document_id, user_id, update, socket_id}, where user_id is the payload's user_id if given, else the sender's sid, socket_id is the sender's Socket.IO sid, and update is always a JSON array of ints. Not echoed to the sender. From a reader, a stranger or a non-member: dropped (not stored, not relayed)."
	reqDOC3 = "DOC-3: An update that carries data schedules a save of the note 0.5 s later; a newer update with data replaces the pending save; an update without data (a resync) never cancels a pending save."
	reqDOC4 = "DOC-4: ydoc:document:state {document_id} from a member re-sends the state. ydoc:awareness:update {document_id, update} from a member is relayed to the others with the session user id; nothing is stored."
	reqDOC6 = "DOC-6: ydoc:document:leave or disconnect: leave doc_{id}, send ydoc:user:left {document_id, user_id} to the rest; when the last member leaves, the stored updates are deleted, and the next joiner gets [0,0]."
)

func doc2(reader string, lk locks) []check.Case {
	doc := func(id, clause, note string, body func(d *docRun)) check.Case {
		return docCase(id, reqDOC2+" Here: "+clause+".", lk, note, body)
	}
	admin := check.AdminUser
	return []check.Case{
		doc("DOC-2/relay", "an int-array update relayed", "note:n0003", func(d *docRun) {
			from, to := d.login(admin), d.login(admin)
			d.join(from, nil)
			d.join(to, nil)
			u := yjsUpdate(clientID(), "relay")
			d.update(from, u, nil)
			m := to.expect("the update relayed to the other member", isDocEvent("ydoc:document:update", d.doc))
			if got := updateOf(d.t, m); !slices.Equal(got, ints(u)) {
				d.t.Failf(fmt.Sprintf("update %v", ints(u)), "%s", m)
			}
			if m.str("user_id") != from.sock.ID() || m.str("socket_id") != from.sock.ID() {
				d.t.Failf("user_id and socket_id both the sender's sid "+from.sock.ID()+" (no user_id in the payload)", "%s", m)
			}
		}),
		doc("DOC-2/user-id", "the payload's user_id relayed", "note:n0003", func(d *docRun) {
			from, to := d.login(admin), d.login(admin)
			d.join(from, nil)
			d.join(to, nil)
			claimed := newID("user")
			d.update(from, yjsUpdate(clientID(), "who"), map[string]any{"user_id": claimed})
			m := to.expect("the update relayed to the other member", isDocEvent("ydoc:document:update", d.doc))
			if m.str("user_id") != claimed || m.str("socket_id") != from.sock.ID() {
				d.t.Failf(fmt.Sprintf("user_id %q (the payload's) and socket_id %q", claimed, from.sock.ID()), "%s", m)
			}
		}),
		doc("DOC-2/binary", "a binary update relayed as an int array", "note:n0004", func(d *docRun) {
			from, to := d.login("u000004"), d.login(admin)
			d.join(from, nil)
			d.join(to, nil)
			u := yjsUpdate(clientID(), "binary")
			from.emit("ydoc:document:update", map[string]any{"document_id": d.doc, "update": u})
			m := to.expect("the binary update relayed to the other member", isDocEvent("ydoc:document:update", d.doc))
			if got := updateOf(d.t, m); !slices.Equal(got, ints(u)) {
				d.t.Failf(fmt.Sprintf("update %v, the bytes as ints", ints(u)), "%s", m)
			}
		}),
		doc("DOC-2/not-echoed", "not echoed to the sender", "note:n0004", func(d *docRun) {
			from, to := d.login("u000004"), d.login(admin)
			d.join(from, nil)
			d.join(to, nil)
			d.update(from, yjsUpdate(clientID(), "echo"), nil)
			to.expect("the update relayed to the other member", isDocEvent("ydoc:document:update", d.doc))
			from.refuse("the update not sent back to its sender", quiet, isDocEvent("ydoc:document:update", d.doc))
		}),
		doc("DOC-2/reader", "an update from a reader (n0002: every user reads, u000001 writes)", "note:n0002", func(d *docRun) {
			writer, tb := d.login(admin), d.login(reader)
			d.join(writer, nil)
			d.join(tb, nil)
			before := storedIfControl(d)
			d.update(tb, yjsUpdate(clientID(), "reader"), nil)
			writer.refuse("a reader's update not relayed", quiet, isDocEvent("ydoc:document:update", d.doc))
			if before >= 0 && d.stored() != before {
				d.t.Failf(fmt.Sprintf("a reader's update not stored: still %d", before), "%d", d.stored())
			}
		}),
		doc("DOC-2/non-member", "an update from a socket that did not join", "note:n0005", func(d *docRun) {
			member, tb := d.login("u000005"), d.login(admin)
			d.join(member, nil)
			before := storedIfControl(d)
			d.update(tb, yjsUpdate(clientID(), "stranger"), nil)
			member.refuse("a non-member's update not relayed", quiet, isDocEvent("ydoc:document:update", d.doc))
			if before >= 0 && d.stored() != before {
				d.t.Failf(fmt.Sprintf("a non-member's update not stored: still %d", before), "%d", d.stored())
			}
		}),
	}
}

func storedIfControl(d *docRun) int {
	if !d.t.Target.Control {
		return -1
	}
	return d.stored()
}

// doc3 checks DOC-3 on chk-n01 (reserved), which every user may write,
// reading the saved note back through open-webui's note update route. Each
// case restores the note before it lets the document's lock go.
func doc3(r *run, lk locks) []check.Case {
	u1, u2, u3 := r.user(), r.user(), r.user()
	doc := func(id, clause, user string, body func(d *docRun, tb *tab, save func(marker string))) check.Case {
		return slow(id, reqDOC3+" Here: "+clause+".", docTimeout, func(t *check.T) {
			needSecret(t)
			onDoc(t, lk[docSave], docSave, func(d *docRun) {
				defer mutating(t, mSave)()
				tb := d.login(user)
				d.join(tb, nil)
				body(d, tb, func(marker string) {
					d.update(tb, yjsUpdate(clientID(), "save"), map[string]any{"data": map[string]any{"content": map[string]string{"md": marker}}})
				})
			})
		})
	}
	return []check.Case{
		doc("DOC-3/debounce", "saved 0.5 s later, not before", u1, debounce),
		doc("DOC-3/newer-replaces", "a newer update with data replaces the pending save", u2, func(d *docRun, tb *tab, save func(string)) {
			first, second := newID("first"), newID("second")
			sent := time.Now()
			save(first)
			sleep(d.t, 200*time.Millisecond)
			save(second)
			saved := false
			for time.Since(sent) < 1600*time.Millisecond && d.t.Context().Err() == nil {
				data := noteData(d.t, tb.user)
				if strings.Contains(data, first) {
					d.t.Failf("the first save replaced by the newer one: the first data never saved", "the note held the first data %v after it was sent", time.Since(sent).Round(time.Millisecond))
				}
				saved = saved || strings.Contains(data, second)
				sleep(d.t, 50*time.Millisecond)
			}
			if !saved {
				d.t.Failf("the newer data saved", "not saved within 1.6 s")
			}
		}),
		doc("DOC-3/resync-keeps-save", "a resync (no data) does not cancel the pending save", u3, func(d *docRun, tb *tab, save func(string)) {
			marker := newID("save")
			save(marker)
			sleep(d.t, 100*time.Millisecond)
			d.update(tb, yjsUpdate(clientID(), "resync"), nil)
			if !poll(d.t, 3*time.Second, func() bool { return strings.Contains(noteData(d.t, tb.user), marker) }) {
				d.t.Failf("the pending save done despite the resync", "the note never held the data")
			}
		}),
	}
}

// noteData reads note chk-n01's saved data as user, a writer, through
// POST /api/v1/notes/chk-n01/update with an empty form (nothing changes).
func noteData(t *check.T, user string) string {
	var note struct {
		Data any `json:"data"`
	}
	decode(t, "the note {id, data, …}", api(t, http.MethodPost, "/api/v1/notes/"+chkNoteWrite+"/update", map[string]any{}, t.Target.Token(user, time.Hour)), &note)
	return render(note.Data)
}

func doc6(lk locks) []check.Case {
	doc := func(id, clause, note string, body func(d *docRun)) check.Case {
		return docCase(id, reqDOC6+" Here: "+clause+".", lk, note, body)
	}
	admin := check.AdminUser
	return []check.Case{
		doc("DOC-6/leave", "ydoc:document:leave", "note:n0003", func(d *docRun) {
			stays, leaves := d.login(admin), d.login(admin)
			d.join(stays, nil)
			who := newID("user")
			d.join(leaves, map[string]any{"user_id": who})
			leaves.emit("ydoc:document:leave", docPayload(d.doc, map[string]any{"user_id": who}))
			m := stays.expect("ydoc:user:left to the rest", isDocEvent("ydoc:user:left", d.doc))
			if m.str("user_id") != who {
				d.t.Failf(fmt.Sprintf("ydoc:user:left with user_id %q", who), "%s", m)
			}
		}),
		doc("DOC-6/disconnect", "a member's disconnect", "note:n0004", func(d *docRun) {
			stays, leaves := d.login("u000004"), d.login(admin)
			d.join(stays, nil)
			who := newID("user")
			d.join(leaves, map[string]any{"user_id": who})
			sid := leaves.sock.ID()
			leaves.conn.Close()
			m := stays.expect("ydoc:user:left to the rest when a member disconnects", isDocEvent("ydoc:user:left", d.doc))
			if id := m.str("user_id"); id != who && id != sid {
				d.t.Failf(fmt.Sprintf("ydoc:user:left with user_id %q (announced) or %q (sid)", who, sid), "%s", m)
			}
		}),
		doc("DOC-6/last-leave", "the last member out deletes the stored updates", "note:n0005", func(d *docRun) {
			first, second, next := d.login("u000005"), d.login(admin), d.login(admin)
			d.join(first, nil)
			d.join(second, nil)
			d.update(first, yjsUpdate(clientID(), "kept"), nil)
			second.expect("the update relayed (DOC-2)", isDocEvent("ydoc:document:update", d.doc))
			if storedIfControl(d) == 0 {
				d.t.Failf("the update stored (DOC-2)", "0 updates stored")
			}
			first.emit("ydoc:document:leave", docPayload(d.doc, nil))
			second.expect("ydoc:user:left (the first member left)", isDocEvent("ydoc:user:left", d.doc))
			second.emit("ydoc:document:leave", docPayload(d.doc, nil))
			var m msg
			empty := poll(d.t, check.Wait, func() bool {
				m = d.join(next, nil)
				if slices.Equal(stateOf(d.t, m), emptyState) {
					return true
				}
				next.emit("ydoc:document:leave", docPayload(d.doc, nil))
				sleep(d.t, 200*time.Millisecond)
				return false
			})
			if !empty {
				d.t.Failf("the next joiner after the last member left to get [0,0]", "%s", m)
			}
		}),
	}
}

// debounce is DOC-3's delay: the note must not hold an update's data until
// 0.5 s after the server had it, and must hold it soon after. A state
// request right after the update shows the update was handled (SIO-8);
// the note read back before 0.5 s from the send must still be unsaved. On a
// machine too slow to read it back in time, the attempt is repeated.
func debounce(d *docRun, tb *tab, save func(string)) {
	var marker string
	var sent time.Time
	for range 3 {
		marker, sent = newID("save"), time.Now()
		save(marker)
		d.nextState(tb, "ydoc:document:state", nil, "ydoc:document:state re-sent to a member that asks (DOC-4)")
		data := noteData(d.t, tb.user)
		if took := time.Since(sent); took >= 500*time.Millisecond {
			d.t.Logf("the note was read back %v after the update: too late to tell, again", took.Round(time.Millisecond))
			continue
		}
		if strings.Contains(data, marker) {
			d.t.Failf("no save before 0.5 s", "the note held the data %v after the update", time.Since(sent).Round(time.Millisecond))
		}
		break
	}
	if !poll(d.t, 3*time.Second, func() bool { return strings.Contains(noteData(d.t, tb.user), marker) }) {
		d.t.Failf("the note saved with the update's data about 0.5 s later", "not saved after %v", time.Since(sent).Round(time.Millisecond))
	}
}
