package webui

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
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

// docRequest is the payload of a ydoc:* event. ID is the normalised
// document_id, "" when the payload is not an object or has no string
// document_id. Absent fields are nil.
type docRequest struct {
	ID                          string
	UserID, UserName, UserColor json.RawMessage
	// Update is the update as bytes, from an int array or a binary
	// attachment; HasUpdate is false for anything else.
	Update    []byte
	HasUpdate bool
	// Awareness is an awareness update as relayed: as sent, or an int
	// array for a binary one.
	Awareness json.RawMessage
	Data      json.RawMessage
}

func parseDocRequest(ev *sio.Event) docRequest {
	var raw struct {
		DocumentID json.RawMessage `json:"document_id"`
		UserID     json.RawMessage `json:"user_id"`
		UserName   json.RawMessage `json:"user_name"`
		UserColor  json.RawMessage `json:"user_color"`
		Update     json.RawMessage `json:"update"`
		Data       json.RawMessage `json:"data"`
	}
	var args []json.RawMessage
	if json.Unmarshal(ev.Args, &args) != nil || len(args) == 0 || firstByte(args[0]) != '{' ||
		json.Unmarshal(args[0], &raw) != nil {
		return docRequest{}
	}
	var p docRequest
	var id string
	if json.Unmarshal(raw.DocumentID, &id) == nil {
		p.ID = normalizeDocID(id)
	}
	p.UserID, p.UserName, p.UserColor, p.Data = raw.UserID, raw.UserName, raw.UserColor, raw.Data
	switch firstByte(raw.Update) {
	case '[':
		p.Update, p.HasUpdate = parseByteArray(raw.Update, MaxDocUpdate)
		p.Awareness = raw.Update
	case '{':
		if b, ok := attachedUpdate(ev); ok {
			p.Update, p.HasUpdate = b, len(b) <= MaxDocUpdate
			p.Awareness, _ = byteList(b).MarshalJSON()
		} else {
			p.Awareness = raw.Update
		}
	case 0:
	default:
		p.Awareness = raw.Update
	}
	return p
}

// attachedUpdate returns the update of a binary event (SIO-5): the
// attachment its placeholder names.
func attachedUpdate(ev *sio.Event) ([]byte, bool) {
	if len(ev.Attachments) == 0 {
		return nil, false
	}
	vals, err := ev.Values()
	if err != nil || len(vals) == 0 {
		return nil, false
	}
	m, _ := vals[0].(map[string]any)
	b, ok := m["update"].([]byte)
	return b, ok
}

func firstByte(b []byte) byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// parseByteArray reads a JSON array of integers 0–255 (raw is valid JSON,
// from the packet decoder). Anything else, or more than limit elements,
// is refused.
func parseByteArray(raw []byte, limit int) ([]byte, bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return nil, false
	}
	out := make([]byte, 0, min(len(raw)/2, limit))
	if i = skipSpace(raw, i+1); i < len(raw) && raw[i] == ']' {
		return out, skipSpace(raw, i+1) == len(raw)
	}
	for {
		i = skipSpace(raw, i)
		start, v := i, 0
		for ; i < len(raw) && raw[i] >= '0' && raw[i] <= '9'; i++ {
			if v = v*10 + int(raw[i]-'0'); v > 255 {
				return nil, false
			}
		}
		if i == start || (i < len(raw) && (raw[i] == '.' || raw[i] == 'e' || raw[i] == 'E')) || len(out) == limit {
			return nil, false
		}
		out = append(out, byte(v))
		if i = skipSpace(raw, i); i >= len(raw) {
			return nil, false
		}
		switch raw[i] {
		case ',':
			i++
		case ']':
			return out, skipSpace(raw, i+1) == len(raw)
		default:
			return nil, false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// truthy is Python's truth of a JSON value, as upstream's `if
// data.get("data")`: absent, null, false, 0, "", {} and [] are false.
func truthy(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0, string(raw) == "null", string(raw) == "false", string(raw) == `""`:
		return false
	case raw[0] == '{' || raw[0] == '[':
		inner := bytes.TrimSpace(raw[1 : len(raw)-1])
		return len(inner) > 0
	case raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'):
		f, err := strconv.ParseFloat(string(raw), 64)
		return err != nil || f != 0
	}
	return true
}

// byteList marshals as a JSON array of ints: updates and states go out as
// upstream sends them, never as binary.
type byteList []byte

// MarshalJSON writes [b0,b1,…].
func (b byteList) MarshalJSON() ([]byte, error) {
	out := make([]byte, 0, 2+4*len(b))
	out = append(out, '[')
	for i, c := range b {
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendUint(out, uint64(c), 10)
	}
	return append(out, ']'), nil
}

func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

func orDefault(v, def json.RawMessage) json.RawMessage {
	if v == nil {
		return def
	}
	return v
}
