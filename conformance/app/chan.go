package app

import (
	"net/http"
	"slices"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
)

const (
	reqCHAN1 = "CHAN-1: user-join and join-channels ({auth:{token}}; the seeds call it join-channel, accept both names) join channel:{cid} for every channel the user belongs to, but only for admins or users with permission features.channels."
	reqCHAN2 = "CHAN-2: events:channel {channel_id, message_id?, data:{type, data?}} from a member socket: type:\"typing\" is broadcast to the whole channel:{id} room, the sender included, as events:channel {channel_id, message_id, data, user:{id,name}}; type:\"last_read_at\" records the read time. From a socket not in the room: ignored. Other types: ignored."
	reqCHAN4 = "CHAN-4: A member removed from a channel, or a deleted channel: later channel events do not reach its sockets."
)

func chanCases(r *run) []check.Case {
	return slices.Concat(chan1(r), chan2(r), chan3to5(r))
}

func chan1(r *run) []check.Case {
	u1, u2, u3, w := r.user(), r.user(), r.user(), r.user()
	return []check.Case{
		must("CHAN-1/user-join", reqCHAN1+" Here: user-join.", func(t *check.T) {
			tb := login(t, u1)
			tb.joined(u1)
			probe(tb, "c0001", "the socket in channel:c0001 after user-join")
		}),
		must("CHAN-1/join-channels", reqCHAN1+" Here: join-channels.", func(t *check.T) { joinByEvent(t, u2, "join-channels") }),
		must("CHAN-1/join-channel", reqCHAN1+" Here: the seeds' join-channel.", func(t *check.T) { joinByEvent(t, u3, "join-channel") }),
		must("CHAN-1/no-permission", reqCHAN1+" Here: nochan01, a user without features.channels.", func(t *check.T) {
			member := login(t, w)
			member.joined(w)
			probe(member, "c0001", "a member's socket in channel:c0001")
			tb := login(t, "nochan01")
			tb.emit("join-channels", tokenPayload(t, "nochan01"))
			tb.joined("nochan01")
			mid := newID("typing")
			tb.emit("events:channel", typing("c0001", mid))
			tb.refuse("nochan01's socket outside channel:c0001: its typing is ignored", quiet, isTyping("c0001", mid))
			member.refuse("no typing from nochan01 in channel:c0001", 0, isTyping("c0001", mid))
		}),
		must("CHAN-1/not-member", reqCHAN1+" Here: u000002 belongs to c0003, not c0002 (CLI.md's population).", func(t *check.T) {
			tb := login(t, "u000002")
			tb.joined("u000002")
			probe(tb, "c0003", "u000002's socket in channel:c0003, its channel")
			mid := newID("typing")
			tb.emit("events:channel", typing("c0002", mid))
			tb.refuse("u000002's socket not in channel:c0002: its typing there is ignored", quiet, isTyping("c0002", mid))
		}),
	}
}

func chan2(r *run) []check.Case {
	a, b, c, m, n, o := r.user(), r.user(), r.user(), r.user(), r.user(), r.user()
	return []check.Case{
		must("CHAN-2/typing", reqCHAN2+" Here: typing reaches the room and its sender.", func(t *check.T) {
			ta, tb := login(t, a), login(t, b)
			ta.joined(a)
			tb.joined(b)
			mid := newID("typing")
			ta.emit("events:channel", typing("c0001", mid))
			for _, s := range []*tab{tb, ta} {
				m := s.expect("events:channel with the typing to every member socket, the sender included", isTyping("c0001", mid))
				var data struct {
					Type string `json:"type"`
				}
				var user struct {
					ID   string `json:"id"`
					Name string `json:"name"`
				}
				if !m.field("data", &data) || data.Type != "typing" || !m.field("user", &user) || user.ID != a || user.Name == "" {
					t.Failf(`events:channel {channel_id, message_id, data:{type:"typing"}, user:{id:"`+a+`", name}}`, "%s", m)
				}
			}
		}),
		must("CHAN-2/non-member", reqCHAN2+" Here: from a socket not in the room.", func(t *check.T) {
			member, outsider := login(t, c), login(t, m)
			member.joined(c)
			probe(member, "c0001", "the member's socket in channel:c0001")
			mid := newID("typing")
			outsider.emit("events:channel", typing("c0001", mid)) // never joined its channels
			member.refuse("typing from a socket outside the room ignored", quiet, isTyping("c0001", mid))
		}),
		must("CHAN-2/other-types", reqCHAN2+" Here: last_read_at and unknown types are not broadcast.", func(t *check.T) {
			ta, tb := login(t, n), login(t, o)
			ta.joined(n)
			tb.joined(o)
			probe(ta, "c0001", "the sender's socket in channel:c0001")
			mids := []string{newID("read"), newID("other")}
			ta.emit("events:channel", map[string]any{"channel_id": "c0001", "message_id": mids[0], "data": map[string]string{"type": "last_read_at"}})
			ta.emit("events:channel", map[string]any{"channel_id": "c0001", "message_id": mids[1], "data": map[string]string{"type": "stampede-unknown"}})
			either := func(m msg) bool { return isTyping("c0001", mids[0])(m) || isTyping("c0001", mids[1])(m) }
			tb.refuse("nothing broadcast for last_read_at or an unknown type", quiet, either)
			ta.refuse("nothing broadcast for last_read_at or an unknown type", 0, either)
		}),
	}
}

func chan3to5(r *run) []check.Case {
	x, y, z, p3, q := r.user(), r.user(), r.user(), r.user(), r.user()
	return []check.Case{
		must("CHAN-3/message", "CHAN-3: Channel messages (server-originated, e.g. a posted message) reach every member socket on every instance as events:channel {channel_id, message_id, data:{type:\"message\", data}, user}.", func(t *check.T) { channelMessage(t, x, y, z) }),
		must("CHAN-4/removed", reqCHAN4+" Here: a removed member ("+chkRemoved+" from "+chkChanRemove+", reserved).", removedMember),
		must("CHAN-4/deleted", reqCHAN4+" Here: "+chkChanDelete+" deleted (its member "+chkMember+"; reserved).", deletedChannel),
		must("CHAN-5/readable", "CHAN-5: join-note {auth:{token}, note_id} joins note:{id} when the user can read the note (admin, owner or read grant); events:note carries note updates to that room. Here: "+chkNoteRead+" (reserved), readable by every user.", func(t *check.T) {
			mutates(t, mReadable)
			tb := login(t, p3)
			tb.emit("join-note", map[string]any{"auth": map[string]string{"token": t.Target.Token(p3, time.Hour)}, "note_id": chkNoteRead})
			title := newID("title")
			isNote := func(m msg) bool {
				return m.Name == "events:note" && m.str("id") == chkNoteRead && m.str("title") == title
			}
			ok := poll(t, check.Wait, func() bool {
				admin(t, http.MethodPost, "/api/v1/notes/"+chkNoteRead+"/update", map[string]string{"title": title})
				_, got := tb.await(300*time.Millisecond, isNote)
				return got
			})
			if !ok {
				t.Failf("events:note for "+chkNoteRead+" on the socket that joined its room", "none; received: %s", tb.summary())
			}
		}),
		must("CHAN-5/denied", "CHAN-5: join-note joins note:{id} only when the user can read the note (admin, owner or read grant). Here: "+chkNotePrivate+" (reserved), private to u000001.", func(t *check.T) {
			mutates(t, mDenied)
			owner, tb := login(t, check.AdminUser), login(t, q)
			owner.emit("join-note", map[string]any{"auth": map[string]string{"token": t.Target.Token(check.AdminUser, time.Hour)}, "note_id": chkNotePrivate})
			tb.emit("join-note", map[string]any{"auth": map[string]string{"token": t.Target.Token(q, time.Hour)}, "note_id": chkNotePrivate})
			// A round trip after it: the server handles a socket's events in
			// order, so join-note has been handled, and a server that joined
			// the room anyway shows it on the first update.
			tb.call("heartbeat", map[string]any{})
			title := newID("title")
			isNote := func(m msg) bool { return m.Name == "events:note" && m.str("title") == title }
			if !poll(t, check.Wait, func() bool {
				admin(t, http.MethodPost, "/api/v1/notes/"+chkNotePrivate+"/update", map[string]string{"title": title})
				_, got := owner.await(300*time.Millisecond, isNote)
				return got
			}) {
				t.Failf("events:note for "+chkNotePrivate+" on its owner's socket", "none; received: %s", owner.summary())
			}
			tb.refuse("no events:note for "+chkNotePrivate+" on a socket of a user who may not read it", quiet, isNote)
		}),
	}
}

// joinByEvent is CHAN-1 through join-channels or join-channel, on a socket
// that never did user-join.
func joinByEvent(t *check.T, user, event string) {
	tb := login(t, user)
	tb.emit(event, tokenPayload(t, user))
	probe(tb, "c0001", "the socket in channel:c0001 after "+event)
}

// channelMessage is CHAN-3: poster x (two tabs), member y, and z, who
// never joined its channels.
func channelMessage(t *check.T, x, y, z string) {
	needControl(t)
	poster, other, member, outsider := login(t, x), login(t, x), login(t, y), login(t, z)
	for _, s := range []*tab{poster, other, member} {
		s.joined(s.user)
	}
	content := newID("message")
	var posted struct {
		ID string `json:"id"`
	}
	decode(t, "the posted message {id, …}", api(t, http.MethodPost, "/api/v1/channels/c0001/messages/post",
		map[string]string{"content": content}, t.Target.Token(x, time.Hour)), &posted)
	isMsg := func(m msg) bool {
		var data struct {
			Type string `json:"type"`
		}
		return m.Name == "events:channel" && m.str("channel_id") == "c0001" && m.str("message_id") == posted.ID &&
			m.field("data", &data) && data.Type == "message"
	}
	for _, s := range []*tab{member, other, poster} {
		got := s.expect("the message on every member socket, the poster's tabs included", isMsg)
		var user struct {
			ID string `json:"id"`
		}
		if !got.field("user", &user) || user.ID != x {
			t.Failf("user.id "+x+" (the poster)", "%s", got)
		}
	}
	outsider.refuse("no message on a socket outside the room", quiet, isMsg)
}

// removedMember is CHAN-4: chkRemoved is removed from chkChanRemove,
// chkStays stays.
func removedMember(t *check.T) {
	mutates(t, mRemoved)
	p1, p2, cid := chkRemoved, chkStays, chkChanRemove
	gone, stays := login(t, p1), login(t, p2)
	gone.joined(p1)
	stays.joined(p2)
	probe(stays, cid, "a member's socket in channel:"+cid)
	gone.emit("events:channel", typing(cid, newID("typing")))
	if _, ok := gone.await(check.Wait, func(m msg) bool { return m.Name == "events:channel" && m.str("channel_id") == cid }); !ok {
		t.Skip(p1 + " is not in " + cid + ": " + rerun)
	}
	admin(t, http.MethodPost, "/api/v1/channels/"+cid+"/update/members/remove", map[string][]string{"user_ids": {p1}})
	mid := newID("typing")
	stays.emit("events:channel", typing(cid, mid))
	stays.expect("the remaining member's typing echoed", isTyping(cid, mid))
	gone.refuse("no channel event on the removed member's socket", quiet, isTyping(cid, mid))
	var posted struct {
		ID string `json:"id"`
	}
	decode(t, "the posted message", api(t, http.MethodPost, "/api/v1/channels/"+cid+"/messages/post",
		map[string]string{"content": newID("message")}, t.Target.Token(p2, time.Hour)), &posted)
	isMsg := func(m msg) bool { return m.Name == "events:channel" && m.str("message_id") == posted.ID }
	stays.expect("the message on the remaining member's socket", isMsg)
	gone.refuse("no message on the removed member's socket", quiet, isMsg)
}

// deletedChannel is CHAN-4 for chkChanDelete, deleted while chkMember's
// socket is in its room.
func deletedChannel(t *check.T) {
	mutates(t, mDeleteChan)
	user, cid := chkMember, chkChanDelete
	tb := login(t, user)
	tb.joined(user)
	status, body, err := request(t, http.MethodPost, "/api/v1/channels/"+cid+"/messages/post",
		map[string]string{"content": newID("message")}, t.Target.Token(user, time.Hour))
	switch {
	case err != nil:
		t.Failf("an answer to a message posted to "+cid, "%v", err)
	case status == http.StatusNotFound:
		t.Skip("channel " + cid + " is gone: " + rerun)
	case status/100 != 2:
		t.Failf(user+", a member, to post to "+cid+" (CHAN-3)", "HTTP %d %s", status, body)
	}
	probe(tb, cid, user+"'s socket in channel:"+cid)
	admin(t, http.MethodDelete, "/api/v1/channels/"+cid+"/delete", nil)
	mid := newID("typing")
	tb.emit("events:channel", typing(cid, mid))
	tb.refuse("no channel event for the deleted channel's sockets", quiet, isTyping(cid, mid))
}
