package webui

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/refserver/sio"
)

// The collaborative documents (PROTOCOL.md section 7, DOC-1 … DOC-6): a
// relay of Yjs updates between the sockets in a document's room doc_{id},
// which stores them so that a joiner gets the document's state. The relay
// is transparent, as upstream's: any byte array is stored and relayed; the
// state is the merge of the stored Yjs updates (internal/yjs).

const (
	// MaxDocUpdate bounds one document update, in bytes (DOC-2). Larger
	// updates are dropped. The transport's maxPayload (EIO-10, 1 MB by
	// default) usually refuses them first.
	MaxDocUpdate = 1 << 20
	// docCompactAt is DOC-5's threshold.
	docCompactAt = 500
	// docSaveDelay is DOC-3's debounce.
	docSaveDelay = 500 * time.Millisecond
)

// The messages of a failed join and the defaults upstream announces.
const (
	docJoinFailed    = "Failed to join document"
	docDefaultName   = "Anonymous"
	docDefaultColor  = "#000000"
	docNotePrefix    = "note:"
	docNoteAltPrefix = "note_"
)

// docSocket is what the relay needs of a socket; *sio.Socket has it.
type docSocket interface {
	ID() string
	Join(room string)
	Leave(room string)
	InRoom(room string) bool
	Data() any
}

var _ docSocket = (*sio.Socket)(nil)

// docHandlers returns the ydoc:* handlers (DOC-1 … DOC-6).
func (a *App) docHandlers() map[string]sio.EventHandler {
	on := func(h func(docSocket, docRequest)) sio.EventHandler {
		return func(s *sio.Socket, ev *sio.Event) { h(s, parseDocRequest(ev)) }
	}
	return map[string]sio.EventHandler{
		"ydoc:document:join":    on(a.docJoin),
		"ydoc:document:leave":   on(a.docLeave),
		"ydoc:document:state":   on(a.docState),
		"ydoc:document:update":  on(a.docUpdate),
		"ydoc:awareness:update": on(a.docAwareness),
	}
}

// normalizeDocID rewrites note_x to note:x, so that the access check of
// note documents cannot be dodged (upstream's normalize_document_id).
func normalizeDocID(id string) string {
	if rest, ok := strings.CutPrefix(id, docNoteAltPrefix); ok {
		return docNotePrefix + rest
	}
	return id
}

// noteOf returns the note of a note:{id} document (upstream takes the part
// up to the next colon).
func noteOf(doc string) (string, bool) {
	rest, ok := strings.CutPrefix(doc, docNotePrefix)
	note, _, _ := strings.Cut(rest, ":")
	return note, ok
}

func docRoom(doc string) string { return "doc_" + doc }

// canRead: a note needs read access; other documents are open scratch
// rooms in profile open-webui and refused in profile documented (DOC-1).
func (a *App) canRead(doc, userID string) bool {
	if note, ok := noteOf(doc); ok {
		return a.pop.CanRead(note, userID)
	}
	return a.cfg.Profile.OpenScratchDocs
}

// canWrite: a note needs write access; any member writes a scratch room.
func (a *App) canWrite(doc, userID string) bool {
	if note, ok := noteOf(doc); ok {
		return a.pop.CanWrite(note, userID)
	}
	return a.cfg.Profile.OpenScratchDocs
}

func (a *App) sessionOf(s docSocket) (SessionEntry, bool) { return sessionIn(docStateOf(s)) }

func docStateOf(s docSocket) *socketState {
	st, _ := s.Data().(*socketState)
	if st == nil {
		return &socketState{}
	}
	return st
}

// Payloads the relay sends.
type (
	docStateMsg struct {
		DocumentID string   `json:"document_id"`
		State      byteList `json:"state"`
		Sessions   []string `json:"sessions"`
	}
	docJoinedMsg struct {
		DocumentID string          `json:"document_id"`
		UserID     json.RawMessage `json:"user_id"`
		UserName   json.RawMessage `json:"user_name"`
		UserColor  json.RawMessage `json:"user_color"`
	}
	docLeftMsg struct {
		DocumentID string          `json:"document_id"`
		UserID     json.RawMessage `json:"user_id"`
	}
	docUpdateMsg struct {
		DocumentID string          `json:"document_id"`
		UserID     json.RawMessage `json:"user_id"`
		Update     byteList        `json:"update"`
		SocketID   string          `json:"socket_id"`
	}
	docAwarenessMsg struct {
		DocumentID string          `json:"document_id"`
		UserID     string          `json:"user_id"`
		Update     json.RawMessage `json:"update"`
	}
)

// docJoin is DOC-1. Nothing at all is sent to a socket without a session
// or to one that may not read the document.
func (a *App) docJoin(s docSocket, p docRequest) {
	e, ok := a.sessionOf(s)
	if !ok {
		return
	}
	if p.ID == "" {
		a.emit(s.ID(), "", "error", map[string]string{"message": docJoinFailed})
		return
	}
	if !a.canRead(p.ID, e.ID) {
		return
	}
	r, room := a.docs(), docRoom(p.ID)
	userID := orDefault(p.UserID, jsonString(s.ID()))
	// Store and announcement, socket state, room, in this order: a
	// disconnect racing the join (its cleanup runs on another goroutine)
	// either finds the document in the socket state and leaves it, or has
	// made the Join a no-op, which the check below undoes.
	if err := r.store.AddMember(p.ID, s.ID()); err != nil {
		a.log.Warn("document store write failed", "doc", p.ID, "err", err)
	}
	r.announce(p.ID, s.ID(), userID)
	docStateOf(s).addDoc(p.ID)
	s.Join(room)
	if !s.InRoom(room) {
		a.leaveDoc(s, p.ID, nil, false)
		return
	}
	a.sendDocState(s, p.ID)
	a.emit(room, s.ID(), "ydoc:user:joined", docJoinedMsg{
		DocumentID: p.ID,
		UserID:     userID,
		UserName:   orDefault(p.UserName, jsonString(docDefaultName)),
		UserColor:  orDefault(p.UserColor, jsonString(docDefaultColor)),
	})
}

// sendDocState sends the document's state and its members to s: the
// store's member set, which spans every instance with Redis (SCALE-2, as
// upstream's YdocManager.get_users); this instance's room when the store
// cannot be read.
func (a *App) sendDocState(s docSocket, doc string) {
	r := a.docs()
	state, _ := r.state(doc)
	sessions, err := r.store.Members(doc)
	if err != nil {
		a.log.Warn("document store read failed", "doc", doc, "err", err)
		sessions = a.roomSIDs(docRoom(doc))
	}
	if sessions == nil {
		sessions = []string{}
	}
	a.emit(s.ID(), "", "ydoc:document:state", docStateMsg{DocumentID: doc, State: state, Sessions: sessions})
}

func (a *App) roomSIDs(room string) []string {
	members := a.sio.Hub().Members(Namespace, room)
	sids := make([]string, len(members))
	for i, m := range members {
		sids[i] = m.ID()
	}
	slices.Sort(sids)
	return sids
}

// docState is DOC-4's state request: a member gets the state again.
func (a *App) docState(s docSocket, p docRequest) {
	if p.ID != "" && s.InRoom(docRoom(p.ID)) {
		a.sendDocState(s, p.ID)
	}
}

// docUpdate is DOC-2, DOC-3 and DOC-5: an update from a member with write
// access is stored and relayed to the other members, always as an int
// array; one carrying data schedules the note's save; the store is
// compacted when it reaches docCompactAt updates.
func (a *App) docUpdate(s docSocket, p docRequest) {
	if p.ID == "" || !p.HasUpdate || !s.InRoom(docRoom(p.ID)) {
		return
	}
	e, ok := a.sessionOf(s)
	if !ok || !a.canWrite(p.ID, e.ID) {
		return
	}
	r := a.docs()
	n, err := r.store.Append(p.ID, p.Update)
	if err != nil {
		a.log.Warn("document store write failed", "doc", p.ID, "err", err)
	}
	a.emit(docRoom(p.ID), s.ID(), "ydoc:document:update", docUpdateMsg{
		DocumentID: p.ID,
		UserID:     orDefault(p.UserID, jsonString(s.ID())),
		Update:     p.Update,
		SocketID:   s.ID(),
	})
	if note, isNote := noteOf(p.ID); isNote && truthy(p.Data) {
		r.scheduleSave(p.ID, note, e.ID, p.Data)
	}
	if n >= docCompactAt {
		r.compact(p.ID)
	}
}

// docAwareness is DOC-4's awareness relay: to the other members, with the
// session's user id, nothing stored.
func (a *App) docAwareness(s docSocket, p docRequest) {
	if p.ID == "" || p.Awareness == nil || !s.InRoom(docRoom(p.ID)) {
		return
	}
	e, ok := a.sessionOf(s)
	if !ok {
		return
	}
	a.emit(docRoom(p.ID), s.ID(), "ydoc:awareness:update", docAwarenessMsg{DocumentID: p.ID, UserID: e.ID, Update: p.Awareness})
}

// docLeave is DOC-6's leave. user_id defaults to the one announced at join.
func (a *App) docLeave(s docSocket, p docRequest) {
	if p.ID != "" {
		a.leaveDoc(s, p.ID, p.UserID, true)
	}
}

// leaveAllDocs leaves every document on disconnect (DOC-6, SESS-4).
func (a *App) leaveAllDocs(s *sio.Socket) {
	for _, doc := range docStateOf(s).docIDs() {
		a.leaveDoc(s, doc, nil, true)
	}
}

// leaveDoc takes s out of doc, once: the room, the store's members (the
// last one out deletes the stored updates) and, when notify, tells the
// rest ydoc:user:left, once the store is up to date.
func (a *App) leaveDoc(s docSocket, doc string, userID json.RawMessage, notify bool) {
	if !docStateOf(s).removeDoc(doc) {
		return
	}
	room, r := docRoom(doc), a.docs()
	s.Leave(room)
	announced := r.forget(doc, s.ID())
	left, err := r.store.RemoveMember(doc, s.ID())
	if err == nil && left == 0 {
		err = r.store.Delete(doc)
	}
	if err != nil {
		a.log.Warn("document store write failed", "doc", doc, "err", err)
	}
	if notify {
		a.emit(room, s.ID(), "ydoc:user:left", docLeftMsg{DocumentID: doc, UserID: orDefault(userID, announced)})
	}
}

// DocumentState returns a document's merged state ([0,0] when empty), the
// number of stored updates and the member sids, for the control API. note_x
// is read as note:x.
func (a *App) DocumentState(id string) (state []byte, updates int, members []string) {
	id = normalizeDocID(id)
	r := a.docs()
	state, updates = r.state(id)
	members, err := r.store.Members(id)
	if err != nil {
		a.log.Warn("document store read failed", "doc", id, "err", err)
	}
	return state, updates, members
}
