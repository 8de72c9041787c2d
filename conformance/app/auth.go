package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
)

const (
	reqAUTH1 = "AUTH-1: A token is valid when: signature verifies with HS256 only (alg none, RS256, HS512 and any other alg are rejected), exp is in the future, exp, iat and nbf (when present) are JSON numbers (NumericDate, RFC 7519 §2: a string is a malformed token), iat is not more than 60 s in the future (a token issued in the future would outlive user-wide revocation, AUTH-6), claim id names an existing user whose role is user or admin (pending is refused), and it is not revoked"
	reqAUTH3 = "AUTH-3: Connect with a missing, malformed, forged, expired, revoked or sk-… API-key token. Profile documented: the server answers CONNECT_ERROR 44{\"message\":…} and keeps nothing. Profile open-webui: the socket is accepted anonymously, with no session and no user: room."
	reqAUTH6 = "AUTH-6: Revoking, deleting a user or changing a role to pending disconnects that user's live sockets (41)."
)

// privateFields are what AUTH-2 keeps out of the session pool.
var privateFields = []string{"date_of_birth", "bio", "gender", "profile_image_url", "profile_banner_image_url"}

func authCases(r *run) []check.Case {
	var cs []check.Case
	for _, b := range badTokens {
		own, subject := r.user(), r.user()
		cs = append(cs, must("AUTH-1/"+b.name, reqAUTH1+" — here: "+b.clause+".", func(t *check.T) { refused(t, b, own, subject) }))
	}
	u1, u2 := r.user(), r.user()
	cs = append(cs,
		must("AUTH-2/session-entry", "AUTH-2: Connect with a valid token: the session (sid → user, minus the private fields date_of_birth, bio, gender, profile_image_url, profile_banner_image_url, plus last_seen_at) goes into the session pool.",
			func(t *check.T) { sessionEntry(t, u1) }),
		must("AUTH-2/user-room", "AUTH-2: Connect with a valid token: the socket joins user:{id}.", func(t *check.T) {
			needControl(t)
			tb := login(t, u2)
			tb.expect("events sent to user:"+u2+" to reach the socket connected with its token", isChat(sendEvents(t, u2)))
		}),
	)
	for _, name := range []string{"missing", "forged", "expired", "api-key"} {
		subject, witness := r.user(), ""
		if name == "forged" || name == "expired" {
			witness = subject
		}
		cs = append(cs, must("AUTH-3/"+name, reqAUTH3, func(t *check.T) { badConnect(t, name, subject, witness) }))
	}
	cs = append(cs, auth4(r)...)
	a, b := r.user(), r.user()
	cs = append(cs, must("AUTH-5/second-user", "AUTH-5: user-join with another user's token moves the socket: it leaves the previous user: room (upstream keeps both; that quirk is only reproduced in profile open-webui).",
		func(t *check.T) { secondUser(t, a, b) }))
	cs = append(cs, auth6(r)...)
	cs = append(cs, auth7(r)...)
	return cs
}

// refused checks one AUTH-1 refusal: at CONNECT (profile documented) and
// by user-join on a valid socket (both profiles).
func refused(t *check.T, b badToken, own, subject string) {
	if b.secret {
		needSecret(t)
	}
	tok := b.make(t, subject)
	tb, err := open(t, authPayload(tok))
	if documented(t) {
		if err == nil {
			t.Failf("CONNECT_ERROR (profile documented)", "connected as sid %s", tb.sock.ID())
		}
		refusedConnect(t, err, "CONNECT_ERROR (profile documented)")
	}
	if t.Target.Secret == nil {
		if !documented(t) {
			t.Skip(noSecret + " (needed for the user-join check)")
		}
		return
	}
	v := login(t, own)
	payload := map[string]any{"auth": map[string]string{"token": tok}}
	if tok == "" {
		payload = map[string]any{"auth": map[string]any{}}
	}
	if ack := v.call("user-join", payload); len(ack.Args) != 0 {
		t.Failf("user-join with the token to ack with no arguments (43<id>[]): the token is refused", "ack %s", args(ack))
	}
}

func sessionEntry(t *check.T, user string) {
	needControl(t)
	tb := login(t, user)
	e, ok := entry(t, tb.sock.ID())
	if !ok {
		t.Failf("the session pool to hold sid "+tb.sock.ID(), "no entry for it")
	}
	var id string
	if json.Unmarshal(e["id"], &id) != nil || id != user {
		t.Failf("the entry's id "+user, "entry %s", render(e))
	}
	lastSeen(t, e)
	for _, f := range privateFields {
		if _, ok := e[f]; ok {
			t.Failf("no private field "+f+" in the session entry", "entry %s", render(e))
		}
	}
}

// badConnect is AUTH-3 for one kind of bad token, by profile.
func badConnect(t *check.T, name, subject, witness string) {
	var tok string
	switch name {
	case "forged":
		tok = badTokens[0].make(t, subject)
	case "expired":
		needSecret(t)
		tok = badTokens[4].make(t, subject)
	case "api-key":
		tok = badTokens[9].make(t, subject)
	}
	tb, err := open(t, authPayload(tok))
	if documented(t) {
		if err == nil {
			t.Failf(`CONNECT_ERROR 44{"message":…} (profile documented)`, "connected as sid %s", tb.sock.ID())
		}
		refusedConnect(t, err, `CONNECT_ERROR 44{"message":…} (profile documented)`)
		return
	}
	if err != nil {
		t.Failf("the socket accepted anonymously (profile open-webui)", "%v", err)
	}
	if !t.Target.Control {
		t.Logf("no control API: the absence of a session and of a user: room is not checked")
		return
	}
	if _, ok := entry(t, tb.sock.ID()); ok {
		t.Failf("no session for the anonymous socket", "the session pool holds sid %s", tb.sock.ID())
	}
	if witness != "" {
		w := login(t, witness)
		chat := sendEvents(t, witness)
		w.expect("events to user:"+witness+" to reach its own socket", isChat(chat))
		tb.refuse("no user:"+witness+" room for the socket connected with its bad token", quiet, isChat(chat))
	}
}

func auth4(r *run) []check.Case {
	u1, u2, u3, u4, u5 := r.user(), r.user(), r.user(), r.user(), r.user()
	return []check.Case{
		must("AUTH-4/ack", "AUTH-4: user-join {auth:{token}} re-verifies the token it carries; on success it acks {\"id\":…,\"name\":…}.", func(t *check.T) {
			tb := login(t, u1)
			var ack map[string]any
			p := tb.userJoin(u1)
			if len(p.Args) == 0 || p.Decode(&ack) != nil || ack["id"] != u1 {
				t.Failf(fmt.Sprintf(`an ack {"id":%q,"name":…}`, u1), "ack %s", args(p))
			}
			if name, ok := ack["name"].(string); !ok || name == "" {
				t.Failf("the ack's name, a non-empty string", "ack %s", args(p))
			}
		}),
		must("AUTH-4/failure", "AUTH-4: On failure it acks with no arguments (43<id>[]).", func(t *check.T) {
			tb := login(t, u2)
			for what, payload := range map[string]any{
				"an expired token": map[string]any{"auth": map[string]string{"token": badTokens[4].make(t, u2)}},
				"no auth object":   map[string]any{},
			} {
				if p := tb.call("user-join", payload); len(p.Args) != 0 {
					t.Failf("user-join with "+what+" to ack with no arguments", "ack %s", args(p))
				}
			}
		}),
		must("AUTH-4/session-and-rooms", "AUTH-4: on success it sets the session, joins user:{id} and the channel rooms (CHAN-1).", func(t *check.T) {
			needControl(t)
			tb := login(t, u3)
			tb.joined(u4)
			e, ok := entry(t, tb.sock.ID())
			var id string
			if !ok || json.Unmarshal(e["id"], &id) != nil || id != u4 {
				t.Failf("the session of the sid to be "+u4+" after user-join", "entry %s (found %v)", render(e), ok)
			}
			tb.expect("events to user:"+u4+" to reach the socket", isChat(sendEvents(t, u4)))
			probe(tb, "c0001", "the socket in channel:c0001 after user-join")
		}),
		must("AUTH-4/idempotent", "AUTH-4: Repeating it is idempotent.", func(t *check.T) {
			tb := login(t, u5)
			tb.joined(u5)
			tb.joined(u5)
			probe(tb, "c0001", "the socket in channel:c0001")
			mid := newID("typing")
			tb.emit("events:channel", typing("c0001", mid))
			tb.expect("the typing event echoed (CHAN-2)", isTyping("c0001", mid))
			sleep(t, quiet)
			if n := len(tb.find(isTyping("c0001", mid))); n != 1 {
				t.Failf("one copy of the typing event after two user-joins", "%d copies", n)
			}
			if t.Target.Control {
				chat := sendEvents(t, u5)
				tb.expect("events to user:"+u5, isChat(chat))
				sleep(t, quiet)
				if n := len(tb.find(isChat(chat))); n != 1 {
					t.Failf("one copy of an event to user:"+u5+" after two user-joins", "%d copies", n)
				}
			}
		}),
	}
}

// secondUser is AUTH-5, by profile.
func secondUser(t *check.T, a, b string) {
	needControl(t)
	tb := login(t, a)
	tb.joined(b)
	tb.expect("events to user:"+b+" to reach the socket after user-join as "+b, isChat(sendEvents(t, b)))
	witness := login(t, a)
	chat := sendEvents(t, a)
	witness.expect("events to user:"+a+" to reach "+a+"'s other socket", isChat(chat))
	if documented(t) {
		tb.refuse("the socket to have left user:"+a+" (profile documented)", quiet, isChat(chat))
		return
	}
	tb.expect("the socket to keep user:"+a+" as well (profile open-webui, upstream's quirk)", isChat(chat))
}

func auth6(r *run) []check.Case {
	u1 := r.user()
	return []check.Case{
		must("AUTH-6/revoke-token", reqAUTH6+" Here: the revoked token's socket.", func(t *check.T) {
			needControl(t)
			tok := t.Target.Token(u1, time.Hour)
			tb, err := open(t, authPayload(tok))
			if err != nil {
				t.Failf("a connection with a valid token", "%v", err)
			}
			tb.user = u1
			admin(t, http.MethodPost, "/api/control/tokens/revoke", map[string]string{"token": tok})
			tb.gone("the socket opened with the revoked token to get 41")
		}),
		must("AUTH-6/revoke-user", reqAUTH6+" Here: every socket of a user whose tokens are all revoked ("+chkRevokeUser+", reserved).", func(t *check.T) {
			mutates(t, mRevokeUser)
			needControl(t)
			tabs := []*tab{fresh(t, chkRevokeUser), login(t, chkRevokeUser)}
			admin(t, http.MethodPost, "/api/control/users/"+chkRevokeUser+"/revoke", nil)
			for _, tb := range tabs {
				tb.gone("every socket of " + chkRevokeUser + " to get 41")
			}
		}),
		must("AUTH-6/role-pending", reqAUTH6+" Here: a user whose role becomes pending ("+chkPending+", reserved).", func(t *check.T) {
			mutates(t, mPending)
			tb := login(t, chkPending)
			t.Cleanup(func() {
				request(t, http.MethodPost, "/api/v1/users/"+chkPending+"/update", map[string]string{"role": "user"}, t.Target.Token(check.AdminUser, time.Hour))
			})
			admin(t, http.MethodPost, "/api/v1/users/"+chkPending+"/update", map[string]string{"role": "pending"})
			tb.gone("the socket of a user turned pending to get 41")
		}),
		must("AUTH-6/delete-user", reqAUTH6+" Here: a deleted user ("+chkDeleted+", reserved).", func(t *check.T) {
			mutates(t, mDeleteUser)
			tb := fresh(t, chkDeleted)
			admin(t, http.MethodDelete, "/api/v1/users/"+chkDeleted, nil)
			tb.gone("the socket of a deleted user to get 41")
		}),
	}
}

func auth7(r *run) []check.Case {
	u1, other, u2, v := r.user(), r.user(), r.user(), r.user()
	return []check.Case{
		must("AUTH-7/channel-typing", "AUTH-7: Identity for every other event comes from the session set at connect or user-join, never from ids in the payload. Here: events:channel naming another user.", func(t *check.T) {
			tb := login(t, u1)
			tb.joined(u1)
			mid := newID("typing")
			tb.emit("events:channel", map[string]any{"channel_id": "c0001", "message_id": mid, "user_id": other,
				"user": map[string]string{"id": other, "name": "Someone Else"}, "data": map[string]any{"type": "typing", "data": map[string]bool{"typing": true}}})
			m := tb.expect("the typing event echoed to its sender (CHAN-2)", isTyping("c0001", mid))
			var user struct {
				ID string `json:"id"`
			}
			if !m.field("user", &user) || user.ID != u1 {
				t.Failf("user.id "+u1+" (the session's), whatever the payload says", "%s", m)
			}
		}),
		must("AUTH-7/chat-event", "AUTH-7: Identity for every other event comes from the session set at connect or user-join, never from ids in the payload. Here: events:chat naming another user.", func(t *check.T) {
			tb, witness := login(t, u2), login(t, v)
			chat := newID("chat")
			tb.emit("events:chat", map[string]any{"chat_id": chat, "user_id": v, "data": map[string]string{"type": "last_read_at"}})
			tb.expect("chat:list to the sender's own user (the session's)", isChat(chat))
			witness.refuse("nothing to the user the payload names", quiet, isChat(chat))
		}),
	}
}

// probe emits typing on channel cid until the socket gets its echo,
// failing with what when it never does; it returns the message id.
func probe(tb *tab, cid, what string) string {
	mid := newID("probe")
	deadline := time.Now().Add(check.Wait)
	for time.Now().Before(deadline) {
		tb.emit("events:channel", typing(cid, mid))
		if _, ok := tb.await(300*time.Millisecond, isTyping(cid, mid)); ok {
			return mid
		}
	}
	tb.t.Failf(what+" (its typing echoed back, CHAN-2)", "no echo within %v on %s; received: %s", check.Wait, tb, tb.summary())
	return ""
}

func typing(cid, mid string) map[string]any {
	return map[string]any{"channel_id": cid, "message_id": mid, "data": map[string]any{"type": "typing", "data": map[string]bool{"typing": true}}}
}

func isTyping(cid, mid string) func(msg) bool {
	return func(m msg) bool {
		return m.Name == "events:channel" && m.str("channel_id") == cid && m.str("message_id") == mid
	}
}

// rerun is why a destructive case skips on a target an earlier run changed
// (with --allow-mutations: a refserver restores the reserved set).
const rerun = "an earlier run of the suite revoked, deleted or removed it, and the target cannot restore it"

// fresh is login for the cases that revoke or delete their user: when the
// target refuses the user but its control API still lists it with role
// user, an earlier run did it, and the case skips.
func fresh(t *check.T, user string) *tab {
	needSecret(t)
	tb, err := open(t, authPayload(t.Target.Token(user, time.Hour)))
	if err == nil {
		tb.user = user
		return tb
	}
	if !t.Target.Control {
		t.Failf(fmt.Sprintf("user %s to connect to / with a valid token", user), "%v", err)
	}
	status, body, herr := request(t, http.MethodGet, "/api/control/users/"+user, nil, t.Target.Token(check.AdminUser, time.Hour))
	var u struct {
		Role string `json:"role"`
	}
	switch {
	case herr == nil && status == http.StatusNotFound:
		t.Skip(fmt.Sprintf("user %s is gone: %s", user, rerun))
	case herr == nil && status == http.StatusOK && json.Unmarshal(body, &u) == nil && u.Role == "user":
		t.Skip(fmt.Sprintf("the tokens of user %s are refused: %s", user, rerun))
	}
	t.Failf(fmt.Sprintf("user %s to connect to / with a valid token", user), "%v", err)
	return nil
}
