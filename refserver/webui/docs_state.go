package webui

import (
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/internal/yjs"
)

// docs returns the App's document relay.
func (a *App) docs() *docRelay { return a.relay }

// docRelay is the state of the documents beyond the store: pending saves
// (DOC-3), compactions under way (DOC-5), and the user id each local socket
// announced when it joined (for ydoc:user:left on disconnect, DOC-6).
type docRelay struct {
	store DocStore
	pop   *Population
	log   *slog.Logger
	// saveNote writes a note's content (DOC-3); the App makes it reach
	// every instance.
	saveNote func(note string, data []byte)

	mu         sync.Mutex
	saves      map[string]*pendingSave
	compacting map[string]bool
	announced  map[docMember]json.RawMessage
	stopped    bool
}

type docMember struct{ doc, sid string }

// pendingSave is one scheduled note save; a newer one replaces it.
type pendingSave struct {
	timer *time.Timer
	save  func()
}

func newDocRelay(store DocStore, pop *Population, log *slog.Logger) *docRelay {
	return &docRelay{
		store: store, pop: pop, log: log, saveNote: func(note string, data []byte) { pop.SaveNote(note, data) },
		saves:      map[string]*pendingSave{},
		compacting: map[string]bool{},
		announced:  map[docMember]json.RawMessage{},
	}
}

// announce records the user id sid announced in doc.
func (r *docRelay) announce(doc, sid string, userID json.RawMessage) {
	r.mu.Lock()
	r.announced[docMember{doc, sid}] = userID
	r.mu.Unlock()
}

// forget drops and returns what sid announced in doc.
func (r *docRelay) forget(doc, sid string) json.RawMessage {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := docMember{doc, sid}
	id := r.announced[k]
	delete(r.announced, k)
	return id
}

// state is the document's stored updates merged into one (DOC-1), and
// their number. An update that is not a Yjs update was relayed (the relay
// is transparent, as upstream) but cannot be merged: it is left out, with a
// warning, and the state is the merge of the others.
func (r *docRelay) state(doc string) ([]byte, int) {
	updates, err := r.store.Updates(doc)
	if err != nil {
		r.log.Warn("document store read failed", "doc", doc, "err", err)
	}
	return r.merge(doc, updates), len(updates)
}

func (r *docRelay) merge(doc string, updates [][]byte) []byte {
	merged, err := yjs.MergeUpdates(updates)
	if err == nil {
		return merged
	}
	valid := slices.DeleteFunc(slices.Clone(updates), func(u []byte) bool { return yjs.Validate(u) != nil })
	r.log.Warn("document holds updates that are not Yjs updates; left out of its state",
		"doc", doc, "left_out", len(updates)-len(valid), "err", err)
	if merged, err = yjs.MergeUpdates(valid); err != nil { // unreachable: all valid
		return slices.Clone(yjs.EmptyUpdate)
	}
	return merged
}

// compact merges the document's updates into one (DOC-5), once at a time
// per document on this instance; updates appended meanwhile stay after it.
func (r *docRelay) compact(doc string) {
	r.mu.Lock()
	if r.compacting[doc] {
		r.mu.Unlock()
		return
	}
	r.compacting[doc] = true
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.compacting, doc)
		r.mu.Unlock()
	}()
	updates, err := r.store.Updates(doc)
	if err != nil || len(updates) < 2 {
		return
	}
	if err := r.store.Compact(doc, len(updates), r.merge(doc, updates)); err != nil {
		r.log.Warn("document compaction failed", "doc", doc, "err", err)
	}
}

// flushSaves runs every pending save now, so that a stopping server loses
// no edit (DOC-3), and refuses new ones.
func (r *docRelay) flushSaves() {
	r.mu.Lock()
	r.stopped = true
	pending := r.saves
	r.saves = map[string]*pendingSave{}
	r.mu.Unlock()
	for _, ps := range pending {
		if ps.timer.Stop() { // not fired yet: save now
			ps.save()
		}
	}
}

// scheduleSave saves data as the content of note 0.5 s from now unless a
// newer save replaces it (DOC-3). The save checks write access again, as
// upstream's document_save_handler does.
func (r *docRelay) scheduleSave(doc, note, userID string, data json.RawMessage) {
	ps := &pendingSave{save: func() {
		if r.pop.CanWrite(note, userID) {
			r.saveNote(note, data)
		}
	}}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return
	}
	if old := r.saves[doc]; old != nil {
		old.timer.Stop()
	}
	r.saves[doc] = ps
	ps.timer = time.AfterFunc(docSaveDelay, func() {
		r.mu.Lock()
		current := r.saves[doc] == ps
		if current {
			delete(r.saves, doc)
		}
		r.mu.Unlock()
		if current {
			ps.save()
		}
	})
}

// addDoc records that the socket joined doc.
func (st *socketState) addDoc(doc string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.docs == nil {
		st.docs = map[string]bool{}
	}
	st.docs[doc] = true
}

// removeDoc forgets doc; false when the socket was not in it, so that one
// leave does the work once.
func (st *socketState) removeDoc(doc string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	ok := st.docs[doc]
	delete(st.docs, doc)
	return ok
}

// docIDs lists the documents the socket is in.
func (st *socketState) docIDs() []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]string, 0, len(st.docs))
	for doc := range st.docs {
		out = append(out, doc)
	}
	slices.Sort(out)
	return out
}
