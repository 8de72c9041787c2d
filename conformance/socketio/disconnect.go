package socketio

import (
	"context"
	"fmt"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// sio7Cases: SIO-7, DISCONNECT both ways.
func sio7Cases() []check.Case {
	return []check.Case{
		one("SIO-7/client-disconnect-leaves-rooms", check.Must,
			"DISCONNECT `41` from the client leaves all rooms and runs disconnect cleanup: shouts to its two rooms reach neither that socket nor the one it reconnects as on the same connection.",
			clientDisconnectLeavesRooms),
		one("SIO-7/server-disconnect", check.Must,
			"The server may send `41` to force a disconnect (`io server disconnect`); caused here with the echo server extra `server-disconnect` (refserver, testdata/node/echo-server.js), skipped when the target offers no way.",
			serverDisconnect),
		one("SIO-7/disconnect-one-namespace", check.Must,
			"DISCONNECT `41/custom,` from the client ends that namespace only: the connection and the other namespace connected on it (here the echo namespace) keep working.",
			disconnectOneNamespace),
	}
}

// room is a room name of this case alone.
func room() string { return "stampede-room-" + token() }

// joinRoom sends join (ECHO-7) and checks the ack.
func (p *peer) joinRoom(s *client.Socket, name string) {
	pl := p.call(s, "join", name)
	var got string
	if len(pl.Args) == 0 || pl.Decode(&got) != nil || got != "joined" {
		p.t.Failf(fmt.Sprintf("join %q acked with [\"joined\"] (ECHO-7)", name), "%s: ack %s", p.name, argsText(pl))
	}
}

// shout sends shout room payload and waits until the shouter, a member,
// has its copy: then every member's copy has been sent.
func (p *peer) shout(s *client.Socket, room, payload string) {
	from := p.mark()
	p.send(s, "shout", room, payload)
	p.next(from, fmt.Sprintf("shouted [%q] back to %s, a member of %s (ECHO-7)", payload, p.name, room),
		both(isEvent(s.Namespace(), "shouted"), firstArg(payload)))
}

func clientDisconnectLeavesRooms(t *check.T, tr transport) {
	nsp := echoNS(t)
	a, b := dial(t, tr, "client A"), dial(t, tr, "client B")
	sa, sb := a.join(nsp, nil), b.join(nsp, nil)
	r1, r2 := room(), room()
	for _, r := range []string{r1, r2} {
		a.joinRoom(sa, r)
		b.joinRoom(sb, r)
	}
	if err := sa.Disconnect(); err != nil {
		t.Failf("client A to send `41`", "%v", err)
	}
	from := a.mark()
	// A CONNECT_ERROR round trip needs no namespace: once it is back, the
	// server has handled the `41` (a connection's packets are handled in
	// order). Node handles a DISCONNECT on the next tick: a CONNECT to the
	// same namespace right behind it would close the connection (NODE.md).
	refused(a, nowhere())
	b.shout(sb, r1, "one-"+token())
	b.shout(sb, r2, "two-"+token())
	// Reconnect A on the same connection: its CONNECT reply comes after
	// anything leaked to the old socket, and the new socket is in no room.
	sa = a.join(nsp, nil)
	b.shout(sb, r1, "three-"+token())
	a.roundTrip(sa) // anything broadcast to A before has arrived
	if leaked := a.since(from, func(r rx) bool { return r.event() == "shouted" }); len(leaked) > 0 {
		t.Failf("nothing shouted to "+r1+" or "+r2+" reaching client A after its `41`", "`%s`", shorten(leaked[0].wireText()))
	}
}

func serverDisconnect(t *check.T, tr transport) {
	nsp := echoNS(t)
	p := dial(t, tr, "the client")
	s := p.join(nsp, nil)
	from := p.mark()
	p.send(s, "server-disconnect")
	want := fmt.Sprintf("`41%s` after the event server-disconnect", prefix(nsp))
	_, why := waitFor(p, check.Wait, func(w *wire) (bool, bool) {
		return true, len(p.sinceLocked(from, isType(nsp, socketio.Disconnect))) > 0
	})
	select {
	case <-p.conn.Done():
		if why != "" {
			t.Failf(want, "the connection closed (%v) without a DISCONNECT%s", p.conn.Err(), p.w.lastSeen())
		}
	default:
		if why != "" {
			t.Skip(fmt.Sprintf("the target did not react to the extra event server-disconnect within %s: it offers no way to force a server disconnect", check.Wait))
		}
	}
	select {
	case <-s.Disconnected():
	case <-time.After(check.Wait):
	case <-t.Context().Done():
	}
	if s.Reason() != client.ReasonServerDisconnect {
		t.Failf("the socket ended with reason "+client.ReasonServerDisconnect, "reason %q", s.Reason())
	}
}

// disconnectOneNamespace connects the echo namespace and a second one on
// one connection, disconnects the second, and round-trips on the first.
func disconnectOneNamespace(t *check.T, tr transport) {
	nsp, other := echoNS(t), t.Target.Other()
	p := dial(t, tr, "the client")
	s := p.join(nsp, nil)
	o := p.conn.Socket(other)
	ctx, cancel := context.WithTimeout(t.Context(), check.Wait)
	err := o.Connect(ctx, nil)
	cancel()
	if err != nil {
		t.Skip(fmt.Sprintf("the target refused a second namespace %s beside %s (%v): give one it serves with --other-namespace", other, nsp, err))
	}
	from := p.mark()
	if err := o.Disconnect(); err != nil {
		t.Failf(fmt.Sprintf("the client to send `41%s`", prefix(other)), "%v", err)
	}
	p.roundTrip(s) // the echo namespace still answers on the same connection
	p.open(fmt.Sprintf("the connection to stay open after `41%s`", prefix(other)))
	if ended := p.since(from, isType(nsp, socketio.Disconnect)); len(ended) > 0 {
		t.Failf(fmt.Sprintf("no DISCONNECT for %s after the client left %s", nsp, other), "`%s`", shorten(ended[0].wireText()))
	}
}

// echo6Cases: ECHO-6, the Engine.IO connection outlives its namespaces.
func echo6Cases() []check.Case {
	return each("ECHO-6/pings-go-on", check.Must,
		"Disconnecting the last namespace does not close the Engine.IO connection; pings go on.",
		pingsGoOn)
}

func pingsGoOn(t *check.T, tr transport) {
	nsp := echoNS(t)
	p := dial(t, tr, "the client")
	s := p.join(nsp, nil)
	from := p.frameMark()
	if err := s.Disconnect(); err != nil {
		t.Logf("sending `41`: %v", err) // the wait below says what became of the connection
	}
	p.nextPing(from, "a ping after the last namespace was disconnected")
	p.open("the Engine.IO connection to stay open")
	p.roundTrip(p.join(nsp, nil)) // and usable: the ping was not the last word
}
