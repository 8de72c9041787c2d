package socketio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// sio2Cases: SIO-2, CONNECT success.
func sio2Cases() []check.Case {
	const req = "CONNECT success is answered `40{\"sid\":\"…\"}`: the Socket.IO sid, not the Engine.IO sid."
	return append(each("SIO-2/connect-sid", check.Must, req, connectSID),
		one("SIO-2/distinct-sids", check.Must, req+" Two sockets get two sids, neither of them an Engine.IO sid.", distinctSIDs))
}

// connectReply waits for the CONNECT reply on nsp and returns its sid.
func connectReply(p *peer, nsp string) string {
	r, _ := p.next(0, fmt.Sprintf("a CONNECT reply `40%s{\"sid\":…}`", prefix(nsp)), isType(nsp, socketio.Connect))
	var body struct {
		SID any `json:"sid"`
	}
	sid, ok := "", false
	if json.Unmarshal(r.Data, &body) == nil {
		sid, ok = body.SID.(string)
	}
	if !ok || sid == "" {
		p.t.Failf(fmt.Sprintf("`40%s{\"sid\":\"<a non-empty string>\"}`", prefix(nsp)), "`%s`", shorten(r.wireText()))
	}
	return sid
}

func connectSID(t *check.T, tr transport) {
	nsp := echoNS(t)
	p := dial(t, tr, "the client")
	p.join(nsp, nil)
	sid, eio := connectReply(p, nsp), p.conn.OpenInfo().SID
	if sid == eio {
		t.Failf("a Socket.IO sid other than the Engine.IO sid "+eio, "sid %q, the Engine.IO sid", sid)
	}
}

func distinctSIDs(t *check.T, tr transport) {
	nsp := echoNS(t)
	a, b := dial(t, tr, "client A"), dial(t, tr, "client B")
	a.join(nsp, nil)
	b.join(nsp, nil)
	sa, sb := connectReply(a, nsp), connectReply(b, nsp)
	ea, eb := a.conn.OpenInfo().SID, b.conn.OpenInfo().SID
	switch {
	case sa == sb:
		t.Failf("two sockets, two Socket.IO sids", "both got sid %q", sa)
	case sa == ea || sa == eb || sb == ea || sb == eb:
		t.Failf("Socket.IO sids other than the Engine.IO sids "+ea+" and "+eb, "Socket.IO sids %q and %q", sa, sb)
	}
}

// sio3Cases: SIO-3, CONNECT to a namespace the server does not serve.
func sio3Cases() []check.Case {
	const req = "CONNECT to a namespace the server does not serve gets CONNECT_ERROR: Node and the refserver send `44/nsp,{\"message\":\"Invalid namespace\"}`, python sends the bare string `44/nsp,\"Unable to connect\"`; both are accepted."
	return []check.Case{
		one("SIO-3/invalid-namespace", check.Must, req, invalidNamespace),
		one("SIO-3/session-stays", check.Must, req+" The Engine.IO session stays open.", sessionStays),
	}
}

// nowhere is a namespace no server serves.
func nowhere() string { return "/stampede-nowhere-" + token() }

// refused sends CONNECT to nsp, which the target must refuse, and returns
// the CONNECT_ERROR packet.
func refused(p *peer, nsp string) rx {
	want := fmt.Sprintf("CONNECT_ERROR `44%s{\"message\":…}` (or a bare string)", prefix(nsp))
	ctx, cancel := context.WithTimeout(p.t.Context(), check.Wait)
	defer cancel()
	err := p.conn.Socket(nsp).Connect(ctx, nil)
	var ce *client.ConnectError
	switch {
	case err == nil:
		r, _ := p.next(0, want, isType(nsp, socketio.Connect))
		p.t.Failf(want, "accepted: `%s`", shorten(r.wireText()))
	case !errors.As(err, &ce):
		p.t.Failf(want, "%s: %v%s", p.name, err, p.w.lastSeen())
	}
	r, _ := p.next(0, want, isType(nsp, socketio.ConnectError))
	return r
}

func invalidNamespace(t *check.T, tr transport) {
	p := dial(t, tr, "the client")
	nsp := nowhere()
	r := refused(p, nsp)
	var v any
	_ = json.Unmarshal(r.Data, &v) // the decoder checked it is JSON
	switch v := v.(type) {
	case string:
		return // python-socketio
	case map[string]any:
		if _, ok := v["message"].(string); ok {
			return
		}
	}
	t.Failf(fmt.Sprintf("`44%s{\"message\":\"…\"}` or `44%s\"…\"`", prefix(nsp), prefix(nsp)), "`%s`", shorten(r.wireText()))
}

func sessionStays(t *check.T, tr transport) {
	p := dial(t, tr, "the client")
	refused(p, nowhere())
	if p.closedWithin(min(t.Target.PingInterval, time.Second)) {
		t.Failf("the session to stay open after the CONNECT_ERROR", "%s: the connection closed (%v)%s", p.name, p.conn.Err(), p.w.lastSeen())
	}
	p.roundTrip(p.join(echoNS(t), nil)) // and usable
}

// echo2Cases: ECHO-2, the auth event.
func echo2Cases() []check.Case {
	const req = "On every connect to an echo namespace: the CONNECT reply `{\"sid\":…}` first, then an event `auth` carrying the CONNECT payload (or `{}`)."
	return []check.Case{
		one("ECHO-2/auth-first", check.Must, req, authFirst),
		one("ECHO-2/empty-auth", check.Must, req+" (A CONNECT without payload: `auth` carries `{}`.)", emptyAuth),
	}
}

func authFirst(t *check.T, tr transport) {
	p := dial(t, tr, "the client")
	auth := map[string]any{"token": "stampede-" + token(), "n": 7, "nested": map[string]any{"list": []any{1, "two", nil}}}
	checkAuth(p, echoNS(t), auth, mustJSON(auth))
}

func emptyAuth(t *check.T, tr transport) {
	p := dial(t, tr, "the client")
	checkAuth(p, echoNS(t), nil, []byte(`{}`))
}

// checkAuth connects with auth and checks that the first packet after the
// CONNECT reply is the event auth carrying want.
func checkAuth(p *peer, nsp string, auth any, want []byte) {
	p.join(nsp, auth)
	expected := fmt.Sprintf("`40%s{\"sid\":…}`, then `42%s[\"auth\",%s]`", prefix(nsp), prefix(nsp), want)
	_, i := p.next(0, expected, isEvent(nsp, "auth"))
	var first []rx
	for _, r := range p.since(0, func(r rx) bool { return r.Namespace == nsp }) {
		if first = append(first, r); len(first) == 2 {
			break
		}
	}
	r := p.packet(i)
	switch {
	case len(first) < 2:
		p.t.Failf(expected, "only `%s` on %s", shorten(first[0].wireText()), nsp)
	case first[0].Type != socketio.Connect:
		p.t.Failf(expected, "`%s` came first", shorten(first[0].wireText()))
	case first[1].event() != "auth":
		p.t.Failf(expected, "`%s` came between them", shorten(first[1].wireText()))
	case r.Type != socketio.Event || len(r.args()) != 1 || !sameJSON(r.args()[0], want):
		p.t.Failf(expected, "`%s`", shorten(r.wireText()))
	}
}

// echo5Cases: ECHO-5, the exact CONNECT_ERROR bytes.
func echo5Cases() []check.Case {
	return []check.Case{
		one("ECHO-5/exact-bytes", check.Must,
			"Any namespace other than the served ones → exactly `44/<nsp>,{\"message\":\"Invalid namespace\"}`. JSON is compact.",
			exactBytes),
	}
}

func exactBytes(t *check.T, tr transport) {
	p := dial(t, tr, "the client")
	nsp := nowhere()
	r := refused(p, nsp)
	t.Equal("44"+nsp+`,{"message":"Invalid namespace"}`, r.wireText(), "CONNECT_ERROR")
}
