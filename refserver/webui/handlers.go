package webui

import (
	"encoding/json"
	"maps"

	"github.com/stampede-sio/stampede/refserver/sio"
)

// Namespace returns the open-webui namespace "/" with its handlers.
func (a *App) Namespace() *sio.Namespace {
	events := map[string]sio.EventHandler{
		"user-join":      a.onUserJoin,
		"heartbeat":      a.onHeartbeat,
		"join-channels":  a.onJoinChannels,
		"join-channel":   a.onJoinChannels, // the seeds' name (CHAN-1)
		"join-note":      a.onJoinNote,
		"events:channel": a.onChannelEvent,
		"events:chat":    a.onChatEvent,
		"usage":          a.onUsage,
	}
	maps.Copy(events, a.docHandlers())
	a.applyFaults(events)
	return &sio.Namespace{
		Name:         Namespace,
		Authorize:    a.authorize,
		Connected:    a.connected,
		Disconnected: a.disconnected,
		Events:       events,
	}
}

type authPayload struct {
	Token string `json:"token"`
}

// authorize checks the CONNECT token (AUTH-2, AUTH-3).
func (a *App) authorize(s *sio.Socket, raw json.RawMessage) error {
	var p authPayload
	if raw != nil && json.Unmarshal(raw, &p) != nil {
		p = authPayload{}
	}
	st := &socketState{}
	s.SetData(st)
	u, claims, err := a.verify(p.Token)
	if err != nil {
		if a.cfg.Profile.AnonymousOnBadToken {
			return nil // upstream always_connect: anonymous, no session, no user room
		}
		return err
	}
	st.setUser(u.ID, claims.RegisteredClaims.ID)
	a.setSession(s, entryFor(u, now()))
	// Joined before the CONNECT reply goes out, so that anything sent to the
	// user once the client sees itself connected reaches it (AUTH-2).
	if !a.cfg.Faults.NoUserRoom { // the no-user-room fault breaks AUTH-2
		s.Join("user:" + u.ID)
	}
	return nil
}

func (a *App) connected(*sio.Socket) {}

// disconnected cleans up (SESS-4): session, usage entries, documents.
func (a *App) disconnected(s *sio.Socket, _ string) {
	if a.cfg.Faults.KeepSessionOnDisconnect { // the fault breaks SESS-4 and DOC-6
		return
	}
	state(s).end() // first: a handler racing this disconnect writes nothing after it
	if err := a.sessions.Delete(s.ID()); err != nil {
		a.log.Warn("session pool delete failed", "sid", s.ID(), "err", err)
	}
	if err := a.usage.DropSID(s.ID()); err != nil {
		a.log.Warn("usage pool delete failed", "sid", s.ID(), "err", err)
	}
	a.leaveAllDocs(s)
}

type tokenPayload struct {
	Auth   authPayload `json:"auth"`
	NoteID string      `json:"note_id"`
}

// onUserJoin re-verifies the token, sets the session, joins the user and
// channel rooms and acks {id, name} (AUTH-4, AUTH-5, CHAN-1). Failure acks
// with no arguments.
func (a *App) onUserJoin(s *sio.Socket, ev *sio.Event) {
	var p tokenPayload
	if !firstArg(ev, &p) {
		ev.AckRaw(json.RawMessage(`[]`), nil)
		return
	}
	u, claims, err := a.verify(p.Auth.Token)
	if err != nil {
		ev.AckRaw(json.RawMessage(`[]`), nil)
		return
	}
	st := state(s)
	prev := st.setUser(u.ID, claims.RegisteredClaims.ID)
	if prev != "" && prev != u.ID && !a.cfg.Profile.KeepPreviousUserRoom && !a.cfg.Faults.LeakUserRooms {
		// AUTH-5: the socket moves to the new user, channel rooms included.
		s.Leave("user:" + prev)
		for _, cid := range a.pop.ChannelsOf(prev) {
			s.Leave("channel:" + cid)
		}
	}
	st.live(func() { a.setSession(s, entryFor(u, now())) })
	if !a.cfg.Faults.NoUserRoom { // the no-user-room fault breaks AUTH-4
		s.Join("user:" + u.ID)
	}
	a.joinChannels(s, u)
	ev.Ack(map[string]string{"id": u.ID, "name": u.Name})
}

func (a *App) joinChannels(s *sio.Socket, u User) {
	if a.cfg.Faults.ChannelsForAll { // the fault breaks CHAN-1
		for _, cid := range a.pop.channelIDs() {
			s.Join("channel:" + cid)
		}
		return
	}
	if !u.CanUseChannels() {
		return
	}
	for _, cid := range a.pop.ChannelsOf(u.ID) {
		s.Join("channel:" + cid)
	}
}

// onHeartbeat refreshes last_seen_at, re-creating a reaped entry, and the
// user's last_active_at (SESS-2). A socket without a session: no effect.
func (a *App) onHeartbeat(s *sio.Socket, _ *sio.Event) {
	id := state(s).user()
	if id == "" {
		return
	}
	t := now()
	state(s).live(func() {
		e, ok := a.session(s)
		if !ok {
			u, known := a.pop.User(id)
			if !known {
				return
			}
			e = entryFor(u, t)
		}
		e.LastSeenAt = t
		e.LastActiveAt = t
		a.setSession(s, e)
	})
	a.pop.Touch(id, t)
}

// setSession sets the socket's session here and in the pool.
func (a *App) setSession(s *sio.Socket, e SessionEntry) {
	state(s).entry.Store(&e)
	if err := a.sessions.Set(s.ID(), e); err != nil {
		a.log.Warn("session pool write failed", "sid", s.ID(), "err", err)
	}
}

// onJoinChannels joins the channel rooms of the token's user (CHAN-1).
func (a *App) onJoinChannels(s *sio.Socket, ev *sio.Event) {
	var p tokenPayload
	if !firstArg(ev, &p) {
		return
	}
	if u, _, err := a.verify(p.Auth.Token); err == nil {
		a.joinChannels(s, u)
	}
}

// onJoinNote joins note:{id} when the token's user may read it (CHAN-5).
func (a *App) onJoinNote(s *sio.Socket, ev *sio.Event) {
	var p tokenPayload
	if !firstArg(ev, &p) || p.NoteID == "" {
		return
	}
	// The join-any-note fault breaks CHAN-5.
	if u, _, err := a.verify(p.Auth.Token); err == nil && (a.pop.CanRead(p.NoteID, u.ID) || a.cfg.Faults.JoinAnyNote) {
		s.Join("note:" + p.NoteID)
	}
}

type channelEvent struct {
	ChannelID string          `json:"channel_id"`
	MessageID *string         `json:"message_id"`
	Data      json.RawMessage `json:"data"`
}

type userRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// onChannelEvent relays typing to the channel room, the sender included, and
// records last_read_at (CHAN-2). From a socket not in the room: ignored.
func (a *App) onChannelEvent(s *sio.Socket, ev *sio.Event) {
	var p channelEvent
	var typ struct {
		Type string `json:"type"`
	}
	if !firstArg(ev, &p) || json.Unmarshal(p.Data, &typ) != nil {
		return
	}
	room := "channel:" + p.ChannelID
	e, ok := a.session(s)
	if !ok || (!s.InRoom(room) && !a.cfg.Faults.RelayAnyChannelEvent) {
		return
	}
	e = a.payloadIdentity(ev, e) // a fault: AUTH-7
	if a.cfg.Faults.RelayAnyChannelEvent && typ.Type != "last_read_at" {
		typ.Type = "typing" // the fault breaks CHAN-2
	}
	switch typ.Type {
	case "typing":
		except := ""
		if a.cfg.Faults.EchoTypingToOthersOnly {
			except = s.ID()
		}
		a.emit(room, except, "events:channel", map[string]any{
			"channel_id": p.ChannelID, "message_id": p.MessageID, "data": p.Data, "user": userRef{e.ID, e.Name},
		})
	case "last_read_at":
		a.reads.Store(room+":"+e.ID, now())
	}
}

// onChatEvent answers last_read_at with chat:list to all the user's tabs (CHAT-3).
func (a *App) onChatEvent(s *sio.Socket, ev *sio.Event) {
	var p struct {
		ChatID string `json:"chat_id"`
		Data   struct {
			Type string `json:"type"`
		} `json:"data"`
	}
	e, ok := a.session(s)
	if !ok || !firstArg(ev, &p) || p.Data.Type != "last_read_at" {
		return
	}
	e = a.payloadIdentity(ev, e) // a fault: AUTH-7
	t := now()
	a.emit("user:"+e.ID, "", "events", map[string]any{
		"chat_id": p.ChatID,
		"data":    map[string]any{"type": "chat:list", "data": map[string]any{"chat_id": p.ChatID, "last_read_at": t}},
	})
}

// onUsage marks the model in use by this sid (CHAT-4).
func (a *App) onUsage(s *sio.Socket, ev *sio.Event) {
	var p struct {
		Model string `json:"model"`
	}
	if _, ok := a.session(s); !ok || !firstArg(ev, &p) || p.Model == "" {
		return
	}
	state(s).live(func() {
		if err := a.usage.Mark(p.Model, s.ID(), now()); err != nil {
			a.log.Warn("usage pool write failed", "sid", s.ID(), "err", err)
		}
	})
}

// RestoreSessions writes the session of every socket of this instance back
// into the pool, as it was last set here (last_seen_at unchanged), and
// returns how many. After the shared pool lost its contents (Redis
// restarted empty or was flushed, SCALE-3) the pool is whole again at once,
// not socket by socket at each one's next heartbeat (SESS-2). It stops at
// the first failed write.
func (a *App) RestoreSessions() (int, error) {
	if a.sio == nil {
		return 0, nil
	}
	n := 0
	var err error
	for _, s := range a.sio.Sockets(Namespace) {
		st := state(s)
		st.live(func() {
			if e, ok := sessionIn(st); ok {
				if err = a.sessions.Set(s.ID(), e); err == nil {
					n++
				}
			}
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
