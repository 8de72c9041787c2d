package webui

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/internal/protocol/socketio"
	"github.com/stampede-sio/stampede/refserver/sio"
)

// control serves the HTTP endpoints of one App.
type control struct {
	app          *App
	version      string
	deploymentID string
	streams      *streamSet
	titles       sync.Map // note id → title; the population keeps no titles
}

// CallTimeout is how long POST /api/control/call waits for the client's ack
// when the request sets no timeout (WEBSOCKET_EVENT_CALLER_TIMEOUT-like).
const CallTimeout = 300 * time.Second

// errClientGone is upstream's answer to a call for a sid that is not a live
// session of the user (CHAT-2).
const errClientGone = "Client session disconnected."

// jsonDuration is a JSON duration: a Go duration string ("50ms", "5s") or a
// number of seconds, as open-webui's settings are.
type jsonDuration time.Duration

func (d *jsonDuration) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		v, err := time.ParseDuration(s)
		*d = jsonDuration(v)
		return err
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return errors.New(`want a Go duration ("5s") or a number of seconds`)
	}
	*d = jsonDuration(secs * float64(time.Second))
	return nil
}

// eventsRequest is the body of POST /api/control/events and /call.
type eventsRequest struct {
	UserID    string          `json:"user_id"`
	SID       string          `json:"sid"`
	ChatID    string          `json:"chat_id"`
	MessageID string          `json:"message_id"`
	Data      json.RawMessage `json:"data"`
	Timeout   *jsonDuration   `json:"timeout"`
}

// chatEvent is the payload of an `events` emit (CHAT-1).
func chatEvent(chatID, messageID string, data any) map[string]any {
	return map[string]any{"chat_id": chatID, "message_id": messageID, "data": data}
}

// knownUser returns the user named by id: 422 when id is empty, 404 when
// unknown.
func (c *control) knownUser(id string) (User, error) {
	if id == "" {
		return User{}, errorf(http.StatusUnprocessableEntity, "user_id is required")
	}
	u, ok := c.app.pop.User(id)
	if !ok {
		return User{}, errorf(http.StatusNotFound, "user %s not found", id)
	}
	return u, nil
}

// events emits `events {chat_id, message_id, data}` to user:{id}: every tab
// of the user and no one else (CHAT-1).
func (c *control) events(r *http.Request, _ User) (answer, error) {
	var req eventsRequest
	if err := decodeBody(r, &req); err != nil {
		return answer{}, err
	}
	if _, err := c.knownUser(req.UserID); err != nil {
		return answer{}, err
	}
	var typ struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(req.Data, &typ) != nil || typ.Type == "" {
		return answer{}, errorf(http.StatusUnprocessableEntity, `data must be an object {"type":…, "data":…}`)
	}
	var n int
	if c.app.cfg.Faults.EventsToEveryone { // the fault breaks CHAT-1
		n = c.app.emitToEveryone("events", chatEvent(req.ChatID, req.MessageID, req.Data))
	} else {
		n = c.app.emit("user:"+req.UserID, "", "events", chatEvent(req.ChatID, req.MessageID, req.Data))
	}
	return jsonOK(map[string]int{"delivered": n}), nil
}

// call sends `events` with an ack id to one tab and answers with the
// client's ack (CHAT-2): its one argument, the array of several, or null.
// A sid that is not a live session of user_id is not called.
func (c *control) call(r *http.Request, _ User) (answer, error) {
	var req eventsRequest
	if err := decodeBody(r, &req); err != nil {
		return answer{}, err
	}
	if _, err := c.knownUser(req.UserID); err != nil {
		return answer{}, err
	}
	if req.SID == "" {
		return answer{}, errorf(http.StatusUnprocessableEntity, "sid is required")
	}
	timeout := CallTimeout
	if req.Timeout != nil {
		if timeout = time.Duration(*req.Timeout); timeout <= 0 {
			return answer{}, errorf(http.StatusUnprocessableEntity, "timeout must be positive")
		}
	}
	e, found, err := c.app.sessions.Get(req.SID)
	if err != nil {
		return answer{}, errorf(http.StatusServiceUnavailable, "session pool: %v", err)
	}
	s := c.app.sio.Socket(req.SID)
	if c.app.cfg.Faults.CallAnySID { // the fault breaks CHAT-2: no session check
		if s == nil || s.Namespace() != Namespace {
			return jsonOK(nil), nil
		}
		found, e.ID = true, req.UserID
	}
	if found && e.ID == req.UserID && s == nil {
		if caller, ok := c.app.cfg.Cluster.(ClusterCaller); ok { // the sid lives on another instance
			return c.remoteCall(r.Context(), caller, req, timeout)
		}
	}
	if !found || e.ID != req.UserID || s == nil || s.Namespace() != Namespace {
		return jsonOK(map[string]string{"error": errClientGone}), nil
	}
	if c.app.cfg.Faults.CallNoAck { // the fault breaks CHAT-2: no ack id, no reply
		s.Emit("events", chatEvent(req.ChatID, req.MessageID, req.Data))
		return jsonOK(nil), nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	args, atts, err := s.EmitWithAck(ctx, "events", chatEvent(req.ChatID, req.MessageID, req.Data))
	switch {
	case errors.Is(err, sio.ErrGone):
		return jsonOK(map[string]string{"error": errClientGone}), nil
	case errors.Is(err, context.DeadlineExceeded):
		return answer{}, errorf(http.StatusGatewayTimeout, "no ack from sid %s within %v", req.SID, timeout)
	case err != nil:
		return answer{}, errorf(http.StatusServiceUnavailable, "call failed: %v", err)
	}
	v, err := ackValue(args, atts)
	if err != nil {
		return answer{}, errorf(http.StatusBadGateway, "bad ack from the client: %v", err)
	}
	return jsonOK(v), nil
}

// ClusterCaller is a Cluster that can call a socket another instance holds
// and wait for its ack (CHAT-2 across instances).
type ClusterCaller interface {
	Call(ctx context.Context, nsp, sid, event string, args ...any) (json.RawMessage, error)
}

// remoteCall is call for a sid of the user on another instance.
func (c *control) remoteCall(ctx context.Context, caller ClusterCaller, req eventsRequest, timeout time.Duration) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args, err := caller.Call(ctx, Namespace, req.SID, "events", chatEvent(req.ChatID, req.MessageID, req.Data))
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return answer{}, errorf(http.StatusGatewayTimeout, "no ack from sid %s within %v", req.SID, timeout)
	case err != nil:
		return jsonOK(map[string]string{"error": errClientGone}), nil
	}
	v, err := ackValue(args, nil)
	if err != nil {
		return answer{}, errorf(http.StatusBadGateway, "bad ack from the client: %v", err)
	}
	return jsonOK(v), nil
}

// ackValue turns ack arguments into what python-socketio's call returns:
// nil for none, the argument for one, the list for several. Binary
// attachments are put back in place (they encode as base64).
func ackValue(args json.RawMessage, atts [][]byte) (any, error) {
	v, err := socketio.Reconstruct(args, atts)
	if err != nil {
		return nil, err
	}
	list, _ := v.([]any)
	switch len(list) {
	case 0:
		return nil, nil
	case 1:
		return list[0], nil
	}
	return list, nil
}

// userInfo is GET /api/control/users/{id}: what SESS-2 checks.
func (c *control) userInfo(r *http.Request, _ User) (answer, error) {
	u, err := c.knownUser(r.PathValue("id"))
	if err != nil {
		return answer{}, err
	}
	return jsonOK(map[string]any{"id": u.ID, "name": u.Name, "role": u.Role, "last_active_at": u.LastActiveAt}), nil
}

// sessionPool is GET /api/control/sessions: sid → session entry.
func (c *control) sessionPool(*http.Request, User) (answer, error) {
	all, err := c.app.sessions.All()
	if err != nil {
		return answer{}, errorf(http.StatusServiceUnavailable, "session pool: %v", err)
	}
	return jsonOK(c.app.sessionView(all)), nil
}

// documentStater is the document store's read side (docs.go, DOC-*). The
// route asks for it at run time so that it builds before the store exists.
type documentStater interface {
	DocumentState(id string) (state []byte, updates int, members []string)
}

// document is GET /api/control/documents/{id}: the stored Yjs state as
// an int array, the number of stored updates and the member sids.
func (c *control) document(r *http.Request, _ User) (answer, error) {
	ds, found := any(c.app).(documentStater)
	if !found {
		return answer{}, errorf(http.StatusNotImplemented, "this build has no document store")
	}
	id := r.PathValue("id")
	state, updates, members := ds.DocumentState(id)
	ints := make([]int, len(state))
	for i, b := range state {
		ints[i] = int(b)
	}
	if members == nil {
		members = []string{}
	}
	return jsonOK(map[string]any{"document_id": id, "state": ints, "updates": updates, "members": members}), nil
}

// drop closes every Socket.IO connection of the app namespace, for the
// simulator's control steps: "close" sends DISCONNECT `41` (clients must not
// reconnect, CLIENT-4), "transport" drops the TCP connection without a word
// (clients reconnect).
func (c *control) drop(r *http.Request, _ User) (answer, error) {
	var req struct {
		Mode string `json:"mode"`
	}
	if err := decodeBody(r, &req); err != nil {
		return answer{}, err
	}
	var act func(*sio.Socket)
	switch req.Mode {
	case "close":
		act = (*sio.Socket).Disconnect
	case "transport":
		act = (*sio.Socket).DropTransport
	default:
		return answer{}, errorf(http.StatusUnprocessableEntity, `mode must be "close" or "transport", not %q`, req.Mode)
	}
	socks := c.appSockets()
	for _, s := range socks {
		act(s)
	}
	return jsonOK(map[string]int{"dropped": len(socks)}), nil
}

// appSockets lists the sockets of the app namespace that have a user: those
// in the session pool and those in a user:{id} room (a reaped session's
// socket stays connected, SESS-3). Anonymous sockets (profile open-webui,
// AUTH-3) are in neither; the sio layer offers no list of all sockets.
func (c *control) appSockets() []*sio.Socket { return c.app.sio.Sockets(Namespace) }

// disconnectToken sends `41` to every socket whose session was set with the
// token jti (AUTH-6), here and, through the Cluster, on every other
// instance. It returns how many sockets of this instance there were.
func (c *control) disconnectToken(jti string) int {
	if c.app.cfg.Faults.NoRevocationDisconnect { // the fault breaks AUTH-6
		return 0
	}
	if cl := c.app.cfg.Cluster; cl != nil {
		if err := cl.Publish(msgDisconnectToken, disconnectTokenMsg{JTI: jti}); err != nil {
			c.app.log.Warn("cannot tell other instances to disconnect a revoked token", "err", err)
		}
	}
	return c.app.disconnectLocalToken(jti)
}

// msgDisconnectToken is the Cluster message of disconnectToken.
const msgDisconnectToken = "stampede:disconnect-token"

type disconnectTokenMsg struct {
	JTI string `json:"jti"`
}

func (a *App) disconnectLocalToken(jti string) int {
	n := 0
	for _, s := range a.sio.Sockets(Namespace) {
		if state(s).tokenID() == jti {
			s.Disconnect()
			n++
		}
	}
	return n
}

// onDisconnectToken is another instance's disconnectToken.
func (a *App) onDisconnectToken(raw json.RawMessage) {
	var m disconnectTokenMsg
	if json.Unmarshal(raw, &m) == nil && m.JTI != "" {
		a.disconnectLocalToken(m.JTI)
	}
}

// disconnectUser sends `41` to every socket in user:{id} and to every sid
// the session pool holds for the user, on whichever instance it is (AUTH-6,
// as upstream's disconnect_user_sessions). It returns how many sockets there
// were.
func (c *control) disconnectUser(id string) int {
	if c.app.cfg.Faults.NoRevocationDisconnect { // the fault breaks AUTH-6
		return 0
	}
	done := map[string]bool{}
	for _, s := range c.app.sio.Hub().Members(Namespace, "user:"+id) {
		done[s.ID()] = true
	}
	c.app.disconnectLocalUser(id)
	all, err := c.app.sessions.All()
	if err != nil {
		c.app.log.Warn("session pool read failed; only this instance's sockets were disconnected", "user", id, "err", err)
	}
	for sid, e := range all {
		if e.ID == id && !done[sid] {
			c.app.sio.DisconnectSID(Namespace, sid)
			done[sid] = true
		}
	}
	return len(done)
}

// noteOwner returns the owner of note nid.
func (p *Population) noteOwner(nid string) (string, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	n, ok := p.notes[nid]
	if !ok {
		return "", false
	}
	return n.OwnerID, true
}

// unixNano is open-webui's timestamp for messages and notes.
func unixNano() int64 { return time.Now().UnixNano() }
