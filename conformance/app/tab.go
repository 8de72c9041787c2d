package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/client"
)

// quiet is how long a case listens for something that must not arrive,
// after it has seen what the server sent at the same moment to others.
const quiet = 500 * time.Millisecond

// msg is one event a tab received, copied off the read goroutine.
type msg struct {
	Name   string
	Arg    json.RawMessage // the first argument
	Binary bool            // it came with binary attachments
	AckID  int64
}

// field returns a field of the first argument decoded into v; false when
// the argument is not an object or the field is absent.
func (m msg) field(name string, v any) bool {
	var obj map[string]json.RawMessage
	if json.Unmarshal(m.Arg, &obj) != nil {
		return false
	}
	raw, ok := obj[name]
	return ok && json.Unmarshal(raw, v) == nil
}

// str is a string field of the first argument, "" when absent.
func (m msg) str(name string) string {
	var s string
	m.field(name, &s)
	return s
}

func (m msg) String() string {
	arg := string(m.Arg)
	if len(arg) > 200 {
		arg = arg[:200] + "…"
	}
	return fmt.Sprintf("%s %s", m.Name, arg)
}

// tab is one browser tab: an Engine.IO connection with namespace "/"
// joined, and every event it receives kept for the case to look at.
type tab struct {
	t    *check.T
	user string // "" when anonymous
	conn *client.Conn
	sock *client.Socket

	mu      sync.Mutex
	got     []msg
	arrived chan struct{} // closed and replaced at each event
	ack     func(client.Event) []any
}

// transports picks what the target serves at its Socket.IO path.
func transports(t *check.T) client.Transports {
	switch {
	case t.Target.Websocket:
		return client.WebsocketOnly
	case t.Target.Polling:
		return client.PollingOnly
	}
	t.Skip("the target serves neither websocket nor polling at its Socket.IO path")
	return 0
}

// open dials and connects to "/" with auth; a refused CONNECT is the
// *client.ConnectError. The connection is closed when the case ends.
func open(t *check.T, auth any) (*tab, error) { return openAt(t, t.Target.URL, auth) }

// openAt is open against another base URL (the peer, SCALE).
func openAt(t *check.T, base *url.URL, auth any) (*tab, error) {
	conn, err := t.DialAt(base, t.Options(transports(t)))
	if err != nil {
		t.Failf("an Engine.IO session at "+t.Target.Path, "dial failed: %v", err)
	}
	tb := &tab{t: t, conn: conn, sock: conn.Socket("/"), arrived: make(chan struct{})}
	tb.sock.OnAny(tb.receive)
	ctx, cancel := context.WithTimeout(t.Context(), check.Wait)
	defer cancel()
	if err := tb.sock.Connect(ctx, auth); err != nil {
		return nil, err
	}
	return tb, nil
}

// login connects as user with a fresh token, failing the case when the
// server refuses.
func login(t *check.T, user string) *tab { return loginAt(t, t.Target.URL, user) }

// loginAt is login against another base URL (the peer, SCALE).
func loginAt(t *check.T, base *url.URL, user string) *tab {
	needSecret(t)
	tb, err := openAt(t, base, map[string]string{"token": t.Target.Token(user, time.Hour)})
	if err != nil {
		t.Failf(fmt.Sprintf("user %s to connect to / with a valid token", user), "%v", err)
	}
	tb.user = user
	return tb
}

// receive runs on the read goroutine: it copies the event and answers
// server calls when the case asked for it.
func (tb *tab) receive(ev client.Event) {
	m := msg{Name: ev.Name, Binary: len(ev.Attachments) > 0, AckID: ev.AckID}
	if len(ev.Args) > 0 {
		m.Arg = slices.Clone(ev.Args[0])
	}
	tb.mu.Lock()
	tb.got = append(tb.got, m)
	close(tb.arrived)
	tb.arrived = make(chan struct{})
	ack := tb.ack
	tb.mu.Unlock()
	if ack != nil && ev.WantsAck() {
		ev.Ack(ack(ev)...)
	}
}

// answerCalls makes the tab ack every server call with what fn returns.
func (tb *tab) answerCalls(fn func(client.Event) []any) {
	tb.mu.Lock()
	tb.ack = fn
	tb.mu.Unlock()
}

// find returns the received events that match.
func (tb *tab) find(match func(msg) bool) []msg {
	tb.mu.Lock()
	got := tb.got[:len(tb.got):len(tb.got)]
	tb.mu.Unlock()
	var out []msg
	for _, m := range got {
		if match(m) {
			out = append(out, m)
		}
	}
	return out
}

// await waits up to d for an event that matches; false when none came.
func (tb *tab) await(d time.Duration, match func(msg) bool) (msg, bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		tb.mu.Lock()
		arrived := tb.arrived
		tb.mu.Unlock()
		if ms := tb.find(match); len(ms) > 0 {
			return ms[0], true
		}
		select {
		case <-arrived:
		case <-tb.sock.Disconnected():
			if ms := tb.find(match); len(ms) > 0 {
				return ms[0], true
			}
			return msg{}, false
		case <-timer.C:
			return msg{}, false
		case <-tb.t.Context().Done():
			return msg{}, false
		}
	}
}

// lost fails the case when the socket was disconnected: what the case
// waited for, or listened for in vain, proves nothing then.
func (tb *tab) lost(what string) {
	select {
	case <-tb.sock.Disconnected():
		tb.t.Failf(what, "%s was disconnected (%s; %v); received: %s", tb, tb.sock.Reason(), tb.conn.Err(), tb.summary())
	default:
	}
}

// expect waits for an event that matches, failing the case with what when
// none arrives within check.Wait.
func (tb *tab) expect(what string, match func(msg) bool) msg {
	m, ok := tb.await(check.Wait, match)
	if !ok {
		tb.lost(what)
		tb.t.Failf(what, "nothing of the kind within %v on %s; received: %s", check.Wait, tb, tb.summary())
	}
	return m
}

// refuse fails the case when an event that matches arrives within d.
func (tb *tab) refuse(what string, d time.Duration, match func(msg) bool) {
	if m, ok := tb.await(d, match); ok {
		tb.t.Failf(what, "%s received %s", tb, m)
	}
	tb.lost(what)
}

// summary lists the names of the events received, for failure messages.
func (tb *tab) summary() string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.got) == 0 {
		return "no events"
	}
	var names []string
	for _, m := range tb.got {
		names = append(names, m.String())
	}
	if len(names) > 8 {
		names = append(names[len(names)-8:], fmt.Sprintf("(%d in all)", len(tb.got)))
	}
	return strings.Join(names, "; ")
}

func (tb *tab) String() string {
	who := "an anonymous socket"
	if tb.user != "" {
		who = "a socket of " + tb.user
	}
	return fmt.Sprintf("%s (sid %s)", who, tb.sock.ID())
}

// emit sends an event, failing the case when the write fails.
func (tb *tab) emit(event string, args ...any) {
	ctx, cancel := context.WithTimeout(tb.t.Context(), check.Wait)
	defer cancel()
	if err := tb.sock.Emit(ctx, event, args...); err != nil {
		tb.t.Failf("to send "+event, "%v", err)
	}
}

// call emits with an ack id and returns the ack, failing the case when
// none comes within check.Wait.
func (tb *tab) call(event string, args ...any) client.Payload {
	ctx, cancel := context.WithTimeout(tb.t.Context(), check.Wait)
	defer cancel()
	p, err := tb.sock.EmitWithAck(ctx, event, args...)
	if err != nil {
		tb.t.Failf("an ack to "+event, "%v", err)
	}
	return p
}

// userJoin emits user-join with user's token and returns the ack.
func (tb *tab) userJoin(user string) client.Payload {
	return tb.call("user-join", tokenPayload(tb.t, user))
}

// joined does user-join and checks the ack names user.
func (tb *tab) joined(user string) {
	var ack struct {
		ID string `json:"id"`
	}
	p := tb.userJoin(user)
	if len(p.Args) == 0 || p.Decode(&ack) != nil || ack.ID != user {
		tb.t.Failf(fmt.Sprintf("user-join to ack {id:%q,name:…}", user), "ack %s", args(p))
	}
	tb.user = user
}

func tokenPayload(t *check.T, user string) map[string]any {
	return map[string]any{"auth": map[string]string{"token": t.Target.Token(user, time.Hour)}}
}

// gone waits for the server to disconnect the socket (`41`).
func (tb *tab) gone(what string) {
	select {
	case <-tb.sock.Disconnected():
	case <-time.After(check.Wait):
		tb.t.Failf(what, "%s is still connected after %v", tb, check.Wait)
	case <-tb.t.Context().Done():
		tb.t.Failf(what, "still connected when the case ran out of time")
	}
	if r := tb.sock.Reason(); r != client.ReasonServerDisconnect {
		tb.t.Failf(what+" (reason "+client.ReasonServerDisconnect+")", "the socket ended with reason %q (%v)", r, tb.conn.Err())
	}
}

// alive fails the case unless the socket is still connected.
func (tb *tab) alive(what string) {
	select {
	case <-tb.sock.Disconnected():
		tb.t.Failf(what, "%s was disconnected: %s (%v)", tb, tb.sock.Reason(), tb.conn.Err())
	default:
	}
}

// args renders an ack's arguments.
func args(p client.Payload) string {
	if len(p.Args) == 0 {
		return "[]"
	}
	parts := make([]string, len(p.Args))
	for i, a := range p.Args {
		parts[i] = string(a)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// refusedConnect checks a CONNECT_ERROR `44{"message":…}`.
func refusedConnect(t *check.T, err error, what string) {
	var ce *client.ConnectError
	if !errors.As(err, &ce) {
		t.Failf(what, "%v", err)
	}
	var body struct {
		Message *string `json:"message"`
	}
	if json.Unmarshal(ce.Data, &body) != nil || body.Message == nil {
		t.Failf(`CONNECT_ERROR with an object {"message":…}`, "CONNECT_ERROR %s", ce.Data)
	}
}
