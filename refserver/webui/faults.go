package webui

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/refserver/sio"
)

// Faults are this layer's fault injections, each breaking the behaviour ID
// it names, so that conformance cases can be shown to fail. All are off by
// default; the refserver's --fault names for them are in refserver/faults.go.
type Faults struct {
	AcceptBadTokens        bool // AUTH-1, AUTH-3: every token naming a known user passes
	LeakUserRooms          bool // AUTH-5, CHAT-1: user-join never leaves the previous user's room
	EchoTypingToOthersOnly bool // CHAN-2: typing is not echoed to the sender

	// AuthBypass (AUTH-1, AUTH-4): a token that fails verification for any
	// reason, even a missing, malformed or sk- one, or one naming an unknown
	// user, authenticates as BypassUser, as a forgotten development bypass
	// would.
	AuthBypass        bool
	KeepPrivateFields bool // AUTH-2: session entries keep the user's private fields
	// NoUserRoom (AUTH-2, AUTH-4, CHAT-1): neither connect nor user-join
	// joins user:{id}.
	NoUserRoom             bool
	NoRevocationDisconnect bool // AUTH-6: revoking, deleting or demoting a user leaves its sockets connected
	// PayloadIdentity (AUTH-7, DOC-4): a user_id in an event's payload
	// replaces the session's user (events:channel, events:chat, awareness).
	PayloadIdentity bool
	// WrongAPIShapes (SESS-1, section 11): /api/config serves the heartbeat
	// interval as a string, /api/version has no deployment_id, /api/usage
	// gives user_count as a string.
	WrongAPIShapes          bool
	NoSessionReaper         bool // SESS-3: the session reaper never runs
	KeepSessionOnDisconnect bool // SESS-4, DOC-6: disconnect cleans up nothing (session, usage, documents)
	// DropEvents (any ID): the named incoming events get no handler, as on
	// a server that lacks them (heartbeat breaks SESS-2, events:chat CHAT-3,
	// usage CHAT-4, join-channels CHAN-1, join-note CHAN-5, ydoc:* DOC-1,
	// DOC-4, DOC-6, …).
	DropEvents []string
	// ChannelsForAll (CHAN-1): every session socket joins every channel
	// room, member or not, permission or not.
	ChannelsForAll bool
	// RelayAnyChannelEvent (CHAN-2): every events:channel is relayed like
	// typing, whatever its type and whether or not the sender is in the room.
	RelayAnyChannelEvent bool
	NoChannelMessages    bool // CHAN-3: a posted channel message is stored but not emitted
	NoChannelLeave       bool // CHAN-4: removed members and a deleted channel's sockets stay in channel:{id}
	JoinAnyNote          bool // CHAN-5, DOC-1: join-note and ydoc:document:join skip the read check
	EventsToEveryone     bool // CHAT-1: POST /api/control/events reaches every socket, not user:{id}
	// CallAnySID (CHAT-2): a call goes to any live sid, whoever's session it
	// is; one to an unknown sid answers null, as if acked with nothing.
	CallAnySID    bool
	CallNoAck     bool // CHAT-2: the call is emitted without an ack id and answers null at once
	NoUsageReaper bool // CHAT-4: usage entries are never reaped

	DocEchoToSender bool // DOC-2: an update is also sent back to its sender
	// DocRelayFromReaders (DOC-2): an update from a reader or a non-member
	// is relayed to the document's room (still not stored).
	DocRelayFromReaders bool
	DocBinaryRelay      bool // DOC-2: a binary update is relayed as binary, not as an int array (and not stored)
	NoSaveDebounce      bool // DOC-3: an update with data saves the note at once, and again 0.5 s later, never replaced
	CancelSaveOnResync  bool // DOC-3: an update without data cancels the pending save
	NoDocCompaction     bool // DOC-5: stored updates are never compacted
	NoDocClear          bool // DOC-6: the last member's leave keeps the stored updates

	NoLockRenew bool // SESS-5: a reaper never renews its lock, so it lapses while that instance keeps reaping
	// NoPopulationSync (CHAN-4, AUTH-6 across instances): changes to users,
	// channels and notes stay on the instance that made them.
	NoPopulationSync bool
}

// BypassUser is whom the auth-bypass fault lets in.
const BypassUser = "u000002"

// verify is Auth.Verify for the socket handlers, with the auth-bypass fault.
func (a *App) verify(token string) (User, *Claims, error) {
	u, c, err := a.auth.Verify(token)
	if err != nil && a.cfg.Faults.AuthBypass {
		if b, ok := a.pop.User(BypassUser); ok {
			return b, &Claims{ID: b.ID}, nil
		}
	}
	return u, c, err
}

// payloadIdentity applies the payload-identity fault (AUTH-7): a user_id
// in the payload naming a known user replaces the session's.
func (a *App) payloadIdentity(ev *sio.Event, e SessionEntry) SessionEntry {
	if !a.cfg.Faults.PayloadIdentity {
		return e
	}
	var p struct {
		UserID string `json:"user_id"`
	}
	if firstArg(ev, &p) {
		if u, ok := a.pop.User(p.UserID); ok {
			return entryFor(u, e.LastSeenAt)
		}
	}
	return e
}

// channelIDs lists every channel, for the channels-for-all fault (CHAN-1).
func (p *Population) channelIDs() []string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make([]string, 0, len(p.channels))
	for id := range p.channels {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// sessionView is the session pool as GET /api/control/sessions shows it;
// with the keep-private-fields fault (AUTH-2) each entry carries the
// user's private fields as well.
func (a *App) sessionView(all map[string]SessionEntry) any {
	if !a.cfg.Faults.KeepPrivateFields {
		return all
	}
	out := make(map[string]map[string]any, len(all))
	for sid, e := range all {
		var m map[string]any
		b, _ := json.Marshal(e)
		json.Unmarshal(b, &m)
		u, _ := a.pop.User(e.ID)
		m["date_of_birth"], m["bio"], m["gender"] = u.DateOfBirth, u.Bio, u.Gender
		m["profile_image_url"], m["profile_banner_image_url"] = u.ProfileImageURL, u.ProfileBannerImageURL
		out[sid] = m
	}
	return out
}

// emitToEveryone is the events-to-everyone fault (CHAT-1): the event goes
// to every socket of the namespace.
func (a *App) emitToEveryone(event string, payload any) int {
	n := 0
	for _, s := range a.sio.Sockets(Namespace) {
		if s.Emit(event, payload) == nil {
			n++
		}
	}
	return n
}

// applyFaults changes the namespace's handlers for the faults that act on
// incoming events (drop-event and the document faults), and wraps the
// document store for no-doc-compaction and no-doc-clear. Namespace calls
// it once, before anything is served.
func (a *App) applyFaults(events map[string]sio.EventHandler) {
	f := a.cfg.Faults
	for _, name := range f.DropEvents {
		delete(events, name)
	}
	if f.NoDocCompaction || f.NoDocClear {
		r := a.docs()
		r.store = faultyDocStore{DocStore: r.store, noCompact: f.NoDocCompaction, noClear: f.NoDocClear}
	}
	wrap := func(name string, fn func(next sio.EventHandler, s *sio.Socket, ev *sio.Event)) {
		if next := events[name]; next != nil {
			events[name] = func(s *sio.Socket, ev *sio.Event) { fn(next, s, ev) }
		}
	}
	if f.JoinAnyNote {
		wrap("ydoc:document:join", a.joinAnyDoc)
	}
	if f.DocEchoToSender || f.DocRelayFromReaders || f.DocBinaryRelay || f.NoSaveDebounce || f.CancelSaveOnResync {
		wrap("ydoc:document:update", a.faultyDocUpdate)
	}
	if f.PayloadIdentity {
		wrap("ydoc:awareness:update", a.awarenessFromPayload)
	}
}

// faultDoc is what the document faults read of a ydoc:* payload.
type faultDoc struct {
	DocumentID string          `json:"document_id"`
	UserID     json.RawMessage `json:"user_id"`
	Update     json.RawMessage `json:"update"`
	Data       json.RawMessage `json:"data"`
}

// parse reads the payload and returns the document id (note_x read as
// note:x), its room and its note id, if it is a note.
func (p *faultDoc) parse(ev *sio.Event) (doc, room, note string, isNote bool) {
	if !firstArg(ev, p) {
		return "", "", "", false
	}
	doc = p.DocumentID
	if rest, ok := strings.CutPrefix(doc, "note_"); ok {
		doc = "note:" + rest
	}
	note, isNote = strings.CutPrefix(doc, "note:")
	note, _, _ = strings.Cut(note, ":")
	return doc, "doc_" + doc, note, isNote
}

// joinAnyDoc is join-any-note for documents (DOC-1): a session socket that
// may not read the note joins its room all the same and gets its state.
func (a *App) joinAnyDoc(next sio.EventHandler, s *sio.Socket, ev *sio.Event) {
	var p faultDoc
	doc, room, note, isNote := p.parse(ev)
	e, ok := a.session(s)
	if !ok || !isNote || a.pop.CanRead(note, e.ID) {
		next(s, ev)
		return
	}
	s.Join(room)
	state, _, _ := a.DocumentState(doc)
	var sids []string
	for _, m := range a.sio.Hub().Members(Namespace, room) {
		sids = append(sids, m.ID())
	}
	a.emit(s.ID(), "", "ydoc:document:state", map[string]any{"document_id": doc, "state": intList(state), "sessions": sids})
	a.emit(room, s.ID(), "ydoc:user:joined", map[string]any{"document_id": doc, "user_id": s.ID(), "user_name": "Anonymous", "user_color": "#000000"})
}

// faultyDocUpdate is ydoc:document:update under the DOC-2 and DOC-3 faults.
func (a *App) faultyDocUpdate(next sio.EventHandler, s *sio.Socket, ev *sio.Event) {
	f := a.cfg.Faults
	var p faultDoc
	doc, room, note, isNote := p.parse(ev)
	e, hasSession := a.session(s)
	member := doc != "" && s.InRoom(room)
	writer := hasSession && ((isNote && a.pop.CanWrite(note, e.ID)) || (!isNote && a.cfg.Profile.OpenScratchDocs))
	relay := func(to string, update any) {
		userID := p.UserID
		if userID == nil {
			userID, _ = json.Marshal(s.ID())
		}
		except := s.ID()
		if to == s.ID() {
			except = ""
		}
		a.emit(to, except, "ydoc:document:update", map[string]any{"document_id": doc, "user_id": userID, "update": update, "socket_id": s.ID()})
	}
	hasData := isPresent(p.Data)
	switch {
	case doc == "":
	case f.DocBinaryRelay && len(ev.Attachments) > 0 && member && writer:
		relay(room, ev.Attachments[0]) // DOC-2 broken: binary goes out as binary, and is not stored
		return
	case f.DocRelayFromReaders && !(member && writer):
		relay(room, p.Update) // DOC-2 broken: relayed from a reader or a stranger
		return
	case f.CancelSaveOnResync && member && writer && isNote && !hasData:
		// DOC-3 broken: a newer save of the current content replaces the pending one.
		content, _, _ := a.pop.NoteContent(note)
		a.docs().scheduleSave(doc, note, e.ID, content)
	}
	next(s, ev)
	if !member || !writer {
		return
	}
	if f.DocEchoToSender {
		update := any(p.Update)
		if len(ev.Attachments) > 0 {
			update = intList(ev.Attachments[0])
		}
		relay(s.ID(), update) // DOC-2 broken: echoed to the sender
	}
	if f.NoSaveDebounce && isNote && hasData {
		// DOC-3 broken: saved at once, and again 0.5 s later whatever came since.
		data := slices.Clone(p.Data)
		a.pop.SaveNote(note, data)
		time.AfterFunc(500*time.Millisecond, func() { a.pop.SaveNote(note, data) })
	}
}

// awarenessFromPayload is payload-identity for awareness (DOC-4): the
// relay carries the payload's user_id instead of the session's.
func (a *App) awarenessFromPayload(next sio.EventHandler, s *sio.Socket, ev *sio.Event) {
	var p faultDoc
	doc, room, _, _ := p.parse(ev)
	var claimed string
	_, hasSession := a.session(s)
	if doc == "" || !hasSession || !s.InRoom(room) || json.Unmarshal(p.UserID, &claimed) != nil || claimed == "" {
		next(s, ev)
		return
	}
	a.emit(room, s.ID(), "ydoc:awareness:update", map[string]any{"document_id": doc, "user_id": claimed, "update": p.Update})
}

// faultyDocStore is the document store under no-doc-compaction (DOC-5) and
// no-doc-clear (DOC-6).
type faultyDocStore struct {
	DocStore
	noCompact, noClear bool
}

func (f faultyDocStore) Compact(doc string, n int, merged []byte) error {
	if f.noCompact {
		return nil
	}
	return f.DocStore.Compact(doc, n, merged)
}

func (f faultyDocStore) Delete(doc string) error {
	if f.noClear {
		return nil
	}
	return f.DocStore.Delete(doc)
}

func intList(b []byte) []int {
	out := make([]int, len(b))
	for i, c := range b {
		out[i] = int(c)
	}
	return out
}

// isPresent is whether a JSON value is there and not null, false, "", {}
// or [] (upstream's truth test of data).
func isPresent(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	switch string(raw) {
	case "", "null", "false", `""`, "{}", "[]", "0":
		return false
	}
	return true
}
