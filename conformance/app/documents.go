package app

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
)

// docTimeout bounds a document case, its wait for the document's lock
// included.
const docTimeout = 60 * time.Second

// docRun is one case's hold on a document: the tabs it opened, closed and
// gone from the document before the next case may use it.
type docRun struct {
	t    *check.T
	doc  string
	tabs []*tab
}

// onDoc runs body while holding doc's lock. Cases share the population's
// few notes, so the cases of one document run one after another.
func onDoc(t *check.T, lock chan struct{}, doc string, body func(d *docRun)) {
	select {
	case lock <- struct{}{}:
	case <-t.Context().Done():
		t.Failf("document "+doc+" free for this case", "other cases held it until the case's time ran out")
	}
	d := &docRun{t: t, doc: doc}
	defer func() {
		d.release()
		<-lock
	}()
	body(d)
}

// release closes the case's tabs and waits until the server has let the
// document go (DOC-6), so that the next case finds it empty. It never
// ends the case: it runs deferred.
func (d *docRun) release() {
	if len(d.tabs) == 0 {
		return
	}
	for _, tb := range d.tabs {
		tb.conn.Close()
	}
	if !d.t.Target.Control || d.t.Target.Secret == nil {
		sleep(d.t, 300*time.Millisecond)
		return
	}
	poll(d.t, 2*time.Second, func() bool {
		var doc struct {
			Members []string `json:"members"`
		}
		status, b, err := request(d.t, http.MethodGet, "/api/control/documents/"+d.doc, nil, d.t.Target.Token(check.AdminUser, time.Hour))
		return err != nil || status != http.StatusOK || json.Unmarshal(b, &doc) != nil || len(doc.Members) == 0
	})
}

// login opens a tab that the run closes when it ends.
func (d *docRun) login(user string) *tab {
	tb := login(d.t, user)
	d.tabs = append(d.tabs, tb)
	return tb
}

// join makes tb join the document and returns the state it gets.
func (d *docRun) join(tb *tab, extra map[string]any) msg {
	return d.nextState(tb, "ydoc:document:join", extra, "ydoc:document:state to the joiner of "+d.doc)
}

// nextState emits event about the document and waits for one more
// ydoc:document:state than tb had.
func (d *docRun) nextState(tb *tab, event string, extra map[string]any, what string) msg {
	n := len(tb.find(isState(d.doc)))
	tb.emit(event, docPayload(d.doc, extra))
	tb.expect(what, func(msg) bool { return len(tb.find(isState(d.doc))) > n })
	states := tb.find(isState(d.doc))
	return states[len(states)-1]
}

// update sends a Yjs update as an int array.
func (d *docRun) update(tb *tab, update []byte, extra map[string]any) {
	p := docPayload(d.doc, extra)
	p["update"] = ints(update)
	tb.emit("ydoc:document:update", p)
}

// stored is the number of updates the server keeps for the document
// (control API).
func (d *docRun) stored() int {
	var doc struct {
		Updates *int `json:"updates"`
	}
	decode(d.t, "a document {document_id, state, updates, members}", admin(d.t, http.MethodGet, "/api/control/documents/"+d.doc, nil), &doc)
	if doc.Updates == nil {
		d.t.Failf("the document's updates count", "none")
	}
	return *doc.Updates
}

func docPayload(doc string, extra map[string]any) map[string]any {
	p := map[string]any{"document_id": doc}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

func isState(doc string) func(msg) bool {
	return func(m msg) bool { return m.Name == "ydoc:document:state" && m.str("document_id") == doc }
}

func isDocEvent(name, doc string) func(msg) bool {
	return func(m msg) bool { return m.Name == name && m.str("document_id") == doc }
}

// anyDocEvent matches every ydoc:* event and error.
func anyDocEvent(m msg) bool {
	return m.Name == "error" || len(m.Name) > 5 && m.Name[:5] == "ydoc:"
}

// stateOf is a state message's state.
func stateOf(t *check.T, m msg) []int {
	var s []int
	if !m.field("state", &s) {
		t.Failf("state, an array of ints", "%s", m)
	}
	return s
}

// updateOf is a relayed update's update, which must be an int array.
func updateOf(t *check.T, m msg) []int {
	var u []int
	if m.Binary || !m.field("update", &u) {
		t.Failf("update as a JSON array of ints (the server never sends binary)", "%s (binary attachments: %v)", m, m.Binary)
	}
	return u
}

// clientID is a fresh Yjs client id, so that the updates of different
// cases never collide.
func clientID() uint64 {
	var b [4]byte
	rand.Read(b[:])
	return uint64(binary.BigEndian.Uint32(b[:])>>2) + 1
}

// locks are the document locks of one run, by document id.
type locks map[string]chan struct{}

// docCase is a case that holds note's lock while body runs.
func docCase(id, requirement string, lk locks, note string, body func(d *docRun)) check.Case {
	return slow(id, requirement, docTimeout, func(t *check.T) { onDoc(t, lk[note], note, body) })
}

func docCases(r *run) []check.Case {
	lk := locks{}
	for _, n := range []string{"note:n0001", "note:n0002", "note:n0003", "note:n0004", "note:n0005", docSave} {
		lk[n] = r.lock(n)
	}
	return slices.Concat(doc1(r, lk), doc2(r.user(), lk), doc3(r, lk), doc45(lk), doc6(lk))
}

func doc1(r *run, lk locks) []check.Case {
	n1, n2, n3, n5 := "note:n0001", "note:n0002", "note:n0003", "note:n0005"
	admin := check.AdminUser
	u1, u2, u3, u4, u5, u6 := r.user(), r.user(), r.user(), r.user(), r.user(), r.user()
	doc := func(id, req string, note string, body func(d *docRun)) check.Case {
		return docCase(id, req, lk, note, body)
	}
	return []check.Case{
		doc("DOC-1/state", reqDOC1+" Here: the joiner of an empty document.", n5, func(d *docRun) {
			tb := d.login("u000005")
			m := d.join(tb, nil)
			if s := stateOf(d.t, m); !slices.Equal(s, emptyState) {
				d.t.Failf("the empty state [0,0]", "%s", m)
			}
			var sids []string
			if !m.field("sessions", &sids) || !slices.Contains(sids, tb.sock.ID()) {
				d.t.Failf("sessions, the sids in the room, the joiner's included", "%s", m)
			}
		}),
		doc("DOC-1/user-joined", reqDOC1+" Here: ydoc:user:joined to the others.", n2, func(d *docRun) {
			first, second := d.login(u1), d.login(u2)
			d.join(first, nil)
			who := map[string]any{"user_id": newID("user"), "user_name": "Stampede Check", "user_color": "#123456"}
			m := d.join(second, who)
			var sids []string
			if !m.field("sessions", &sids) || !slices.Contains(sids, first.sock.ID()) || !slices.Contains(sids, second.sock.ID()) {
				d.t.Failf("sessions with both members' sids", "%s", m)
			}
			// The second's join may land while the first's announcement is
			// still on its way to the room, so the second may hear the first
			// (its user_id defaults to its sid): only announcements of the
			// second itself count here.
			announces := func(m msg) bool {
				return isDocEvent("ydoc:user:joined", d.doc)(m) && m.str("user_id") == who["user_id"]
			}
			first.expect("ydoc:user:joined to the other member", isDocEvent("ydoc:user:joined", d.doc))
			j := first.expect("ydoc:user:joined with the joiner's user_id "+who["user_id"].(string), announces)
			for k, v := range who {
				if j.str(k) != v {
					d.t.Failf(fmt.Sprintf("ydoc:user:joined with %s %q", k, v), "%s", j)
				}
			}
			second.refuse("no ydoc:user:joined announcing the joiner to itself", 0, announces)
		}),
		doc("DOC-1/note-underscore", reqDOC1+" Here: note_x is normalised to note:x.", n1, func(d *docRun) {
			tb := d.login(u3)
			tb.emit("ydoc:document:join", docPayload("note_n0001", nil))
			tb.expect("ydoc:document:state for note:n0001 after a join of note_n0001", isState(d.doc))
		}),
		doc("DOC-1/no-read-access", reqDOC1+" Here: n0003 is private to u000001.", n3, func(d *docRun) {
			member, tb := d.login(admin), d.login(u4)
			d.join(member, nil)
			tb.emit("ydoc:document:join", docPayload(d.doc, nil))
			tb.refuse("nothing sent to a joiner without read access", quiet, anyDocEvent)
			member.refuse("no ydoc:user:joined for a refused joiner", 0, isDocEvent("ydoc:user:joined", d.doc))
		}),
		must("DOC-1/missing-id", reqDOC1+" Here: no document_id.", func(t *check.T) {
			tb := login(t, u5)
			tb.emit("ydoc:document:join", map[string]any{"user_id": "x"})
			m := tb.expect(`error {message:"Failed to join document"}`, func(m msg) bool { return m.Name == "error" })
			if m.str("message") != "Failed to join document" {
				t.Failf(`error {message:"Failed to join document"}`, "%s", m)
			}
		}),
		must("DOC-1/non-note", reqDOC1+" Profiles: non-note: document ids are refused (join denied) in documented, open scratch rooms for any session socket in open-webui.", func(t *check.T) {
			tb := login(t, u6)
			doc := newID("scratch")
			tb.emit("ydoc:document:join", docPayload(doc, nil))
			if documented(t) {
				tb.refuse("a non-note document refused: nothing sent (profile documented)", quiet, anyDocEvent)
				// The document handlers are there all the same.
				tb.emit("ydoc:document:join", map[string]any{})
				tb.expect(`error {message:"Failed to join document"} to a join without document_id`, func(m msg) bool { return m.Name == "error" })
				return
			}
			m := tb.expect("the scratch document joined (profile open-webui)", isState(doc))
			if s := stateOf(t, m); !slices.Equal(s, emptyState) {
				t.Failf("the new scratch document's empty state [0,0]", "%s", m)
			}
		}),
	}
}

func doc45(lk locks) []check.Case {
	n2, n4, n5 := "note:n0002", "note:n0004", "note:n0005"
	const owner4, owner5 = "u000004", "u000005"
	admin := check.AdminUser
	doc := func(id, req string, note string, body func(d *docRun)) check.Case {
		return docCase(id, req, lk, note, body)
	}
	return []check.Case{
		doc("DOC-4/state", reqDOC4+" Here: the state re-sent.", n2, func(d *docRun) {
			tb := d.login(admin)
			d.join(tb, nil)
			d.update(tb, yjsUpdate(clientID(), "state"), nil)
			var m msg
			// Events of one socket may be handled out of order (SIO-8), so
			// the update may not be stored yet at the first request.
			if !poll(d.t, check.Wait, func() bool {
				m = d.nextState(tb, "ydoc:document:state", nil, "ydoc:document:state re-sent to a member that asks")
				return !slices.Equal(stateOf(d.t, m), emptyState)
			}) {
				d.t.Failf("the re-sent state with the member's update", "%s", m)
			}
		}),
		doc("DOC-4/awareness", reqDOC4+" Here: awareness relayed with the session's user id, not stored.", n4, func(d *docRun) {
			from, to := d.login(owner4), d.login(admin)
			d.join(from, nil)
			d.join(to, nil)
			before := -1
			if d.t.Target.Control {
				before = d.stored()
			}
			from.emit("ydoc:awareness:update", docPayload(d.doc, map[string]any{"user_id": newID("claimed"), "update": []int{1, 2, 3}}))
			m := to.expect("ydoc:awareness:update relayed to the other member", isDocEvent("ydoc:awareness:update", d.doc))
			if m.str("user_id") != owner4 {
				d.t.Failf("user_id "+owner4+", the session's user", "%s", m)
			}
			from.refuse("the awareness update not sent back to its sender", 0, isDocEvent("ydoc:awareness:update", d.doc))
			if before >= 0 && d.stored() != before {
				d.t.Failf(fmt.Sprintf("nothing stored: still %d updates", before), "%d", d.stored())
			}
		}),
		slow("DOC-5/compaction", "DOC-5: Stored updates are compacted when they reach 500.", docTimeout, func(t *check.T) {
			needControl(t)
			onDoc(t, lk[n5], n5, func(d *docRun) {
				from, to := d.login(owner5), d.login(admin)
				d.join(from, nil)
				d.join(to, nil)
				const n = 510
				base := clientID()
				for i := range n {
					d.update(from, yjsUpdate(base+uint64(i), "x"), nil)
				}
				relayed := func(m msg) bool { return m.Name == "ydoc:document:update" }
				if !poll(t, 3*check.Wait, func() bool { return len(to.find(relayed)) >= n }) {
					t.Failf(fmt.Sprintf("%d updates relayed", n), "%d", len(to.find(relayed)))
				}
				var stored int
				if !poll(t, check.Wait, func() bool { stored = d.stored(); return stored < 500 }) {
					t.Failf(fmt.Sprintf("fewer than 500 stored updates after %d (compacted at 500)", n), "%d stored", stored)
				}
			})
		}),
	}
}
