package webui_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// CHAN-1: user-join, join-channels and join-channel join channel:{cid} for
// every channel of the user, when admin or with features.channels; nochan01
// joins none.
func TestChannelRooms(t *testing.T) {
	t.Parallel()
	r := newRig(t, refserver.Config{})
	want := map[string][]string{
		"u000001":  {"channel:c0001", "channel:c0002"}, // admin
		"u000002":  {"channel:c0001", "channel:c0003"},
		"u000004":  {"channel:c0001", "channel:c0002"},
		"u000050":  {"channel:c0001", "channel:c0003"}, // (50-1) mod 3 = 1 → k = 3
		"u000048":  {"channel:c0001", "channel:c0004"},
		"nochan01": nil,
	}
	for _, event := range []string{"user-join", "join-channels", "join-channel"} {
		for id, rooms := range want {
			t.Run(event+"/"+id, func(t *testing.T) {
				t.Parallel()
				tb := r.connect(t, id)
				require.Empty(t, r.roomsWith(tb, "channel:"), "connect alone joins no channel")
				tb.ack(t, event, authArg(r.token(t, id)))
				assert.Equal(t, rooms, r.roomsWith(tb, "channel:"))
			})
		}
	}

	t.Run("bad token", func(t *testing.T) {
		t.Parallel()
		tb := r.connect(t, "u000002")
		for _, event := range []string{"join-channels", "join-channel"} {
			tb.ack(t, event, authArg(r.token(t, "u000002")+"x"))
			tb.ack(t, event, authArg(r.token(t, "pending01")))
		}
		assert.Empty(t, r.roomsWith(tb, "channel:"))
	})
}

// typing is an events:channel typing payload for channel cid.
func typing(cid string, messageID any) map[string]any {
	p := map[string]any{"channel_id": cid, "data": map[string]any{"type": "typing", "data": map[string]any{"typing": true}}}
	if messageID != nil {
		p["message_id"] = messageID
	}
	return p
}

// CHAN-2: typing from a member reaches every member socket, the sender
// included, as events:channel {channel_id, message_id, data, user}; a
// socket outside the room, last_read_at and other types broadcast nothing.
func TestChannelTyping(t *testing.T) {
	t.Parallel()
	r := newRig(t, refserver.Config{})
	sender := r.join(t, "u000002")     // c0001, c0003
	senderTab2 := r.join(t, "u000002") // the sender's second tab
	member := r.join(t, "u000005")     // c0001, c0003
	outsider := r.join(t, "u000003")   // c0001, c0004
	nochan := r.join(t, "nochan01")    // no channel room
	members := []*tab{sender, senderTab2, member}

	sender.ack(t, "events:channel", typing("c0003", "m1"))
	want := `{"channel_id":"c0003","message_id":"m1",
		"data":{"type":"typing","data":{"typing":true}},"user":{"id":"u000002","name":"User 2"}}`
	for i, tb := range members {
		evs := tb.wait(t, "events:channel", 1)
		require.Len(t, evs[0].Args, 1, "member %d", i)
		assert.JSONEq(t, want, string(evs[0].Args[0]), "member %d", i)
	}
	outsider.none(t, "not a member of c0003")
	nochan.none(t, "no channel rooms")

	sender.ack(t, "events:channel", typing("c0003", nil))
	evs := member.wait(t, "events:channel", 2)
	assert.JSONEq(t, `{"channel_id":"c0003","message_id":null,
		"data":{"type":"typing","data":{"typing":true}},"user":{"id":"u000002","name":"User 2"}}`, string(evs[1].Args[0]))
	sender.wait(t, "events:channel", 2)
	senderTab2.wait(t, "events:channel", 2)

	// Nothing else is broadcast: a socket outside the room, last_read_at,
	// other types, unknown channels.
	outsider.ack(t, "events:channel", typing("c0003", "m2"))
	nochan.ack(t, "events:channel", typing("c0001", "m3"))
	sender.ack(t, "events:channel", map[string]any{"channel_id": "c0003", "data": map[string]any{"type": "last_read_at"}})
	sender.ack(t, "events:channel", map[string]any{"channel_id": "c0003", "data": map[string]any{"type": "message", "data": "hi"}})
	sender.ack(t, "events:channel", map[string]any{"channel_id": "c0003", "data": map[string]any{"type": "reaction"}})
	sender.ack(t, "events:channel", typing("c9999", "m4"))
	for i, tb := range members {
		tb.sync(t)
		assert.Len(t, tb.got("events:channel"), 2, "member %d got nothing more", i)
	}
	outsider.none(t, "outsider")
	nochan.none(t, "nochan01")
}

// CHAN-2 is broken by the fault echo-typing-to-others-only: the sender's
// socket no longer gets its own typing (its other tab still does).
func TestChannelTypingFaultNoEcho(t *testing.T) {
	t.Parallel()
	r := newRig(t, refserver.Config{Faults: refserver.Faults{App: webui.Faults{EchoTypingToOthersOnly: true}}})
	sender := r.join(t, "u000002")
	senderTab2 := r.join(t, "u000002")
	member := r.join(t, "u000005")
	sender.ack(t, "events:channel", typing("c0003", "m1"))
	member.wait(t, "events:channel", 1)
	senderTab2.wait(t, "events:channel", 1)
	sender.none(t, "the fault drops the sender's echo, which CHAN-2 requires")
}

// CHAN-2 from a socket without a session (profile open-webui): even in the
// channel room (join-channels with a valid token), its typing is ignored.
func TestChannelTypingAnonymous(t *testing.T) {
	t.Parallel()
	r := newRig(t, refserver.Config{Profile: openWebUI})
	member := r.join(t, "u000005")
	anon := r.anonymous(t)
	anon.ack(t, "join-channels", authArg(r.token(t, "u000002")))
	require.Contains(t, r.rooms(anon), "channel:c0003")
	anon.ack(t, "events:channel", typing("c0003", "m1"))
	member.none(t, "typing from a socket without session")
}

// CHAN-5: join-note joins note:{id} only when the token's user can read
// the note: n0001 and n0002 every user, n0003 only u000001 (owner, admin),
// n0004 its owner u000004 and admins.
func TestJoinNote(t *testing.T) {
	t.Parallel()
	r := newRig(t, refserver.Config{})
	tests := []struct {
		user, note string
		joins      bool
	}{
		{"u000002", "n0001", true},
		{"u000002", "n0002", true},
		{"u000002", "n0003", false},
		{"u000002", "n0004", false},
		{"nochan01", "n0001", true},
		{"nochan01", "n0003", false},
		{"u000004", "n0004", true},
		{"u000004", "n0003", false},
		{"u000001", "n0003", true},
		{"u000001", "n0004", true},
		{"u000001", "n9999", false},
	}
	for _, tc := range tests {
		t.Run(tc.user+"/"+tc.note, func(t *testing.T) {
			t.Parallel()
			tb := r.connect(t, tc.user)
			arg := authArg(r.token(t, tc.user))
			arg["note_id"] = tc.note
			assert.Empty(t, tb.ack(t, "join-note", arg).Args)
			assert.Equal(t, tc.joins, r.srv.SocketIO().Socket(tb.sid()).InRoom("note:"+tc.note))
		})
	}
	t.Run("bad token", func(t *testing.T) {
		t.Parallel()
		tb := r.connect(t, "u000002")
		tb.ack(t, "join-note", map[string]any{"auth": map[string]string{"token": "forged"}, "note_id": "n0001"})
		tb.ack(t, "join-note", map[string]any{"auth": map[string]string{"token": r.token(t, "pending01")}, "note_id": "n0001"})
		assert.Empty(t, r.roomsWith(tb, "note:"))
	})
}
