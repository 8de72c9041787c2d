package webui_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// SESS-2: a heartbeat refreshes last_seen_at and last_active_at in the pool
// and the user's last_active_at; an ack request gets []; a reaped entry is
// re-created.
func TestHeartbeat(t *testing.T) {
	t.Parallel()
	r := newRig(t, refserver.Config{})
	tb := r.join(t, "u000002")
	pool := r.srv.App().Sessions()

	old, ok := r.session(t, tb)
	require.True(t, ok)
	old.LastSeenAt, old.LastActiveAt = 1000, 1000
	require.NoError(t, pool.Set(tb.sid(), old))

	before := time.Now().Unix()
	ack := tb.ack(t, "heartbeat", map[string]any{})
	after := time.Now().Unix()
	assert.Empty(t, ack.Args, "heartbeat ack is []")
	e, ok := r.session(t, tb)
	require.True(t, ok)
	assert.GreaterOrEqual(t, e.LastSeenAt, before, "last_seen_at refreshed")
	assert.LessOrEqual(t, e.LastSeenAt, after)
	assert.GreaterOrEqual(t, e.LastActiveAt, before, "pool last_active_at refreshed")
	u, _ := r.srv.App().Population().User("u000002")
	assert.GreaterOrEqual(t, u.LastActiveAt, before, "user last_active_at refreshed")
	assert.LessOrEqual(t, u.LastActiveAt, after)

	// The reaper removed the entry (SESS-3): the next heartbeat re-creates it.
	require.NoError(t, pool.Delete(tb.sid()))
	assert.Empty(t, tb.ack(t, "heartbeat").Args, "heartbeat without payload, acked []")
	e, ok = r.session(t, tb)
	require.True(t, ok, "heartbeat re-creates a reaped entry")
	assert.Equal(t, "u000002", e.ID)
	assert.Equal(t, "User 2", e.Name)
	assert.Equal(t, "u000002@example.com", e.Email)
	assert.Equal(t, webui.RoleUser, e.Role)
	assert.GreaterOrEqual(t, e.LastSeenAt, before)
}

// SESS-2: a heartbeat from a socket without a session (profile open-webui,
// bad token) has no effect.
func TestHeartbeatAnonymous(t *testing.T) {
	t.Parallel()
	r := newRig(t, refserver.Config{Profile: openWebUI})
	tb := r.anonymous(t)
	assert.Empty(t, tb.ack(t, "heartbeat", map[string]any{"id": "u000002"}).Args)
	assert.Empty(t, r.sessions(t), "no session created")
	u, _ := r.srv.App().Population().User("u000002")
	assert.Zero(t, u.LastActiveAt, "no user touched")
	assert.Empty(t, r.rooms(tb))
}

// SESS-4: disconnecting (a client DISCONNECT or the transport closing)
// removes the session entry and the socket's usage entries, and only those.
func TestDisconnectCleanup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		end  func(*tab)
	}{
		{"DISCONNECT", func(tb *tab) { tb.sock.Disconnect() }},
		{"transport close", func(tb *tab) { tb.conn.Close() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, refserver.Config{})
			gone := r.join(t, "u000002")
			stays := r.join(t, "u000003")
			gone.ack(t, "usage", map[string]any{"model": "gone-model", "action": "generate", "chat_id": "x"})
			stays.ack(t, "usage", map[string]any{"model": "kept-model", "action": "generate", "chat_id": "y"})
			models, users := r.usage(t)
			require.Equal(t, []string{"gone-model", "kept-model"}, models)
			require.Equal(t, 2, users)

			tc.end(gone)
			require.Eventually(t, func() bool {
				_, ok := r.session(t, gone)
				return !ok
			}, rigWait, 5*time.Millisecond, "session entry removed")
			assert.Nil(t, r.srv.SocketIO().Socket(gone.sid()))
			assert.Zero(t, r.srv.SocketIO().Hub().Size("/", "user:u000002"), "left its rooms")
			models, users = r.usage(t)
			assert.Equal(t, []string{"kept-model"}, models, "usage entries of the socket dropped")
			assert.Equal(t, 1, users)
			_, ok := r.session(t, stays)
			assert.True(t, ok, "the other session stays")
		})
	}
}

// SESS-4 (and AUTH-6, whose revocations disconnect from another goroutine):
// a server-side disconnect while a user-join is being handled must still
// leave no session entry behind.
//
// BUG (handlers.go onUserJoin and onHeartbeat, app.go disconnected): the
// handler writes the session after the disconnect cleanup has deleted it,
// so the pool keeps an entry for a socket that is gone (until the reaper,
// SESS-3), counted by GET /api/usage and the control API.
func TestDisconnectDuringUserJoin(t *testing.T) {
	t.Parallel()
	r := newRig(t, refserver.Config{})
	arg := authArg(r.token(t, "u000002"))
	var orphans []string
	for range 20 {
		tb := r.connect(t, "u000002")
		flooding := make(chan struct{})
		go func() {
			defer close(flooding)
			for tb.sock.Emit(context.Background(), "user-join", arg) == nil {
			}
		}()
		time.Sleep(time.Millisecond)
		r.srv.SocketIO().Socket(tb.sid()).Disconnect() // as the control API does
		<-tb.sock.Disconnected()
		<-flooding
		tb.conn.Close()
		if _, ok := r.session(t, tb); ok {
			orphans = append(orphans, tb.sid())
		}
	}
	assert.Empty(t, orphans, "session entries of disconnected sockets")
}

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

// CHAT-3: events:chat last_read_at is answered with chat:list to every tab
// of the user and to no one else.
func TestChatLastReadAt(t *testing.T) {
	t.Parallel()
	for _, profile := range []string{documented, openWebUI} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, refserver.Config{Profile: profile})
			tab1 := r.connect(t, "u000002")
			tab2 := r.join(t, "u000002")
			other := r.join(t, "u000003")

			before := time.Now().Unix()
			tab1.ack(t, "events:chat", map[string]any{"chat_id": "chat-1", "data": map[string]any{"type": "last_read_at"}})
			after := time.Now().Unix()
			for i, tb := range []*tab{tab1, tab2} {
				evs := tb.wait(t, "events", 1)
				var got struct {
					ChatID string `json:"chat_id"`
					Data   struct {
						Type string `json:"type"`
						Data struct {
							ChatID     string `json:"chat_id"`
							LastReadAt int64  `json:"last_read_at"`
						} `json:"data"`
					} `json:"data"`
				}
				require.NoError(t, evs[0].Decode(&got))
				assert.Equal(t, "chat-1", got.ChatID, "tab %d", i)
				assert.Equal(t, "chat:list", got.Data.Type, "tab %d", i)
				assert.Equal(t, "chat-1", got.Data.Data.ChatID, "tab %d", i)
				assert.GreaterOrEqual(t, got.Data.Data.LastReadAt, before, "tab %d", i)
				assert.LessOrEqual(t, got.Data.Data.LastReadAt, after, "tab %d", i)
			}
			other.none(t, "another user's socket")

			tab1.ack(t, "events:chat", map[string]any{"chat_id": "chat-1", "data": map[string]any{"type": "other"}})
			tab1.ack(t, "events:chat", map[string]any{"chat_id": "chat-1"})
			for i, tb := range []*tab{tab1, tab2} {
				tb.sync(t)
				assert.Len(t, tb.got("events"), 1, "tab %d: other types answer nothing", i)
			}
		})
	}
}

// CHAT-3 from a socket without a session (profile open-webui): nothing.
func TestChatLastReadAtAnonymous(t *testing.T) {
	t.Parallel()
	r := newRig(t, refserver.Config{Profile: openWebUI})
	anon := r.anonymous(t)
	user := r.join(t, "u000002")
	anon.ack(t, "events:chat", map[string]any{"chat_id": "chat-1", "data": map[string]any{"type": "last_read_at"}})
	anon.none(t, "anonymous sender")
	user.none(t, "session user")
}

// CHAT-4: usage marks the model in use (GET /api/usage model_ids); from a
// socket without a session, or without a model, it is ignored.
func TestUsage(t *testing.T) {
	t.Parallel()
	r := newRig(t, refserver.Config{Profile: openWebUI})
	models, users := r.usage(t)
	require.Empty(t, models)
	require.Zero(t, users)

	anon := r.anonymous(t)
	assert.Empty(t, anon.ack(t, "usage", map[string]any{"model": "anon-model", "action": "generate", "chat_id": "c"}).Args)
	models, _ = r.usage(t)
	assert.Empty(t, models, "usage from an anonymous socket is ignored")

	tb := r.join(t, "u000002")
	tb.ack(t, "usage", map[string]any{"action": "generate", "chat_id": "c"})
	tb.ack(t, "usage", map[string]any{"model": "", "action": "generate", "chat_id": "c"})
	tb.ack(t, "usage", "llama3")
	models, _ = r.usage(t)
	assert.Empty(t, models, "usage without a model is ignored")

	tb.ack(t, "usage", map[string]any{"model": "llama3", "action": "generate", "chat_id": "c"})
	tb.ack(t, "usage", map[string]any{"model": "gpt-4o", "action": "generate", "chat_id": "d"})
	tb.ack(t, "usage", map[string]any{"model": "llama3", "action": "generate", "chat_id": "c"})
	models, users = r.usage(t)
	assert.Equal(t, []string{"gpt-4o", "llama3"}, models)
	assert.Equal(t, 1, users)
}

// CHAT-4, SESS-4 at the unit level: the usage pool's marks, per-sid drop
// and expiry.
func TestUsagePool(t *testing.T) {
	t.Parallel()
	u := webui.NewUsagePool()
	assert.Empty(t, must(u.Models()))
	u.Mark("b", "s1", 10)
	u.Mark("a", "s1", 10)
	u.Mark("a", "s2", 20)
	assert.Equal(t, []string{"a", "b"}, must(u.Models()))
	u.DropSID("s1")
	assert.Equal(t, []string{"a"}, must(u.Models()), "s2 still uses a")
	u.Mark("c", "s3", 5)
	u.Expire(20) // drops entries updated before 20
	assert.Equal(t, []string{"a"}, must(u.Models()))
	u.Expire(21)
	assert.Empty(t, must(u.Models()))
}

// The fault accept-bad-tokens breaks AUTH-1 and AUTH-3: a token signed with
// the wrong secret (or alg none) connects with a session.
func TestFaultAcceptBadTokens(t *testing.T) {
	t.Parallel()
	r := newRig(t, refserver.Config{Faults: refserver.Faults{App: webui.Faults{AcceptBadTokens: true}}})
	forged, err := webui.Mint([]byte("wrong-secret"), "u000002", time.Hour, time.Now())
	require.NoError(t, err)
	tb, err := r.open(t, map[string]string{"token": forged})
	require.NoError(t, err, "the fault accepts a forged token")
	tb.sync(t)
	e, ok := r.session(t, tb)
	require.True(t, ok)
	assert.Equal(t, "u000002", e.ID)
	assert.Equal(t, []string{"user:u000002"}, r.rooms(tb))

	ack := tb.userJoin(t, forged)
	require.Len(t, ack.Args, 1, "user-join accepts it too")

	for _, bt := range badTokens(t, []byte("wrong-secret")) {
		if bt.name == "alg none" {
			_, err := r.open(t, map[string]string{"token": bt.token})
			assert.NoError(t, err, "alg none connects under the fault")
		}
	}
}

// Bad inputs to every handler: no panic, an ack with no arguments where a
// handler exists, no ack for an unknown event; the connection stays (a
// following user-join works) and another client is unaffected.
func TestBadInputs(t *testing.T) {
	t.Parallel()
	for _, profile := range []string{documented, openWebUI} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, refserver.Config{Profile: profile})
			tb := r.join(t, "u000002")
			bystander := r.join(t, "u000005")
			tok := r.token(t, "u000002")
			cases := []struct {
				event string
				args  []any
			}{
				{"user-join", []any{"a string"}},
				{"user-join", []any{42}},
				{"user-join", []any{[]any{authArg(tok)}}},
				{"user-join", []any{nil}},
				{"user-join", nil},
				{"user-join", []any{map[string]any{}}},
				{"user-join", []any{map[string]any{"auth": "not an object"}}},
				{"user-join", []any{map[string]any{"auth": map[string]any{"token": 42}}}},
				{"user-join", []any{map[string]any{"auth": map[string]any{"token": nil}}}},
				{"user-join", []any{map[string]any{"auth": map[string]any{}}}},
				{"heartbeat", []any{"x", 1, nil}},
				{"join-channels", []any{"x"}},
				{"join-channels", nil},
				{"join-channel", []any{map[string]any{"auth": 5}}},
				{"join-note", []any{authArg(tok)}}, // no note_id
				{"join-note", []any{map[string]any{"auth": map[string]string{"token": tok}, "note_id": 7}}},
				{"join-note", nil},
				{"events:channel", []any{map[string]any{"channel_id": "c0003"}}}, // no data
				{"events:channel", []any{map[string]any{"channel_id": "c0003", "data": "typing"}}},
				{"events:channel", []any{map[string]any{"channel_id": 3, "data": map[string]any{"type": "typing"}}}},
				{"events:channel", []any{map[string]any{"channel_id": "c0003", "data": map[string]any{"type": 1}}}},
				{"events:channel", []any{[]any{1, 2}}},
				{"events:chat", []any{"x"}},
				{"events:chat", []any{map[string]any{"chat_id": 1, "data": map[string]any{"type": "last_read_at"}}}},
				{"usage", []any{map[string]any{"model": 1}}},
				{"usage", nil},
			}
			for i, tc := range cases {
				ack := tb.ack(t, tc.event, tc.args...)
				assert.Empty(t, ack.Args, "case %d: %s %v acks []", i, tc.event, tc.args)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			_, err := tb.sock.EmitWithAck(ctx, "no-such-event", map[string]any{"x": 1})
			cancel()
			assert.True(t, errors.Is(err, client.ErrAckTimeout) || errors.Is(err, context.DeadlineExceeded),
				"unknown event: no ack (SIO-4), got %v", err)

			assert.True(t, tb.sock.Connected(), "the connection stays")
			ack := tb.userJoin(t, tok)
			require.Len(t, ack.Args, 1, "user-join still works")
			assert.JSONEq(t, `{"id":"u000002","name":"User 2"}`, string(ack.Args[0]))
			assert.Equal(t, []string{"channel:c0001", "channel:c0003", "user:u000002"}, r.rooms(tb))
			assert.NotContains(t, fmt.Sprint(r.rooms(tb)), "note:", "no note joined")
			bystander.none(t, "bystander saw nothing")
			assert.Len(t, bystander.userJoin(t, r.token(t, "u000005")).Args, 1, "another client is unaffected")
			assert.Len(t, r.sessions(t), 2)
		})
	}
}

// must returns v, failing on a store error (the memory stores have none).
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
