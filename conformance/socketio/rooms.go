package socketio

import (
	"fmt"

	"github.com/stampede-sio/stampede/conformance/check"
)

// echo7Cases: ECHO-7, rooms.
func echo7Cases() []check.Case {
	const req = "`join` `<room>` (with ack) → the socket joins that room of its namespace and the ack carries `\"joined\"`; `shout` `<room>, <payload>` → every socket in the room, the sender included when it is a member, receives `shouted` `<payload>`."
	return []check.Case{
		one("ECHO-7/join-ack", check.Must, req, joinAck),
		one("ECHO-7/shout-members", check.Must, req+" (Three members on three connections, shouted to by a non-member.)", shoutMembers),
		one("ECHO-7/shout-sender-included", check.Must, req+" (The sender is a member.)", shoutSenderIncluded),
		one("ECHO-7/non-member-excluded", check.Must, req+" Sockets outside the room receive nothing.", nonMemberExcluded),
	}
}

func joinAck(t *check.T, tr transport) {
	nsp := echoNS(t)
	a, b := dial(t, tr, "client A"), dial(t, tr, "client B")
	sa, sb := a.join(nsp, nil), b.join(nsp, nil)
	r := room()
	a.joinRoom(sa, r)
	b.joinRoom(sb, r)
	// A joined for real: B's shout reaches it.
	payload := "joined-" + token()
	b.shout(sb, r, payload)
	a.next(0, fmt.Sprintf("shouted [%q] reaching client A, which joined %s", payload, r), both(isEvent(nsp, "shouted"), firstArg(payload)))
}

func shoutMembers(t *check.T, tr transport) {
	nsp := echoNS(t)
	r := room()
	var members []*peer
	for i := range 3 {
		m := dial(t, tr, fmt.Sprintf("member %d", i+1))
		m.joinRoom(m.join(nsp, nil), r)
		members = append(members, m)
	}
	d := dial(t, tr, "the shouter (no member)")
	sd := d.join(nsp, nil)
	payload := map[string]any{"n": "stampede-" + token(), "list": []any{1, "two", nil}}
	d.send(sd, "shout", r, payload)
	for _, m := range members {
		got, _ := m.next(0, fmt.Sprintf("shouted %s reaching %s of %s", mustJSON(payload), m.name, r), isEvent(nsp, "shouted"))
		if args := got.args(); len(args) != 1 || !sameJSON(args[0], mustJSON(payload)) {
			t.Failf(fmt.Sprintf("`42%s[\"shouted\",%s]`", prefix(nsp), mustJSON(payload)), "%s: `%s`", m.name, shorten(got.wireText()))
		}
	}
}

func shoutSenderIncluded(t *check.T, tr transport) {
	nsp := echoNS(t)
	p := dial(t, tr, "the client")
	s := p.join(nsp, nil)
	r := room()
	p.joinRoom(s, r)
	p.shout(s, r, "self-"+token())
}

func nonMemberExcluded(t *check.T, tr transport) {
	nsp := echoNS(t)
	a, b, c := dial(t, tr, "client A (member)"), dial(t, tr, "client B (member of another room)"), dial(t, tr, "client C (in no room)")
	sa, sb, sc := a.join(nsp, nil), b.join(nsp, nil), c.join(nsp, nil)
	r1, r2 := room(), room()
	a.joinRoom(sa, r1)
	b.joinRoom(sb, r2)
	a.shout(sa, r1, "members-only-"+token())
	b.roundTrip(sb) // anything broadcast to B before has arrived
	c.roundTrip(sc)
	for _, p := range []*peer{b, c} {
		if leaked := p.since(0, isEvent(nsp, "shouted")); len(leaked) > 0 {
			t.Failf("nothing shouted to "+r1+" reaching "+p.name, "`%s`", shorten(leaked[0].wireText()))
		}
	}
}
