package webui_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/token"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// AUTH-2: a valid token at connect puts the session, keyed by the
// Socket.IO sid, in the pool (id, name, email, role, last_seen_at; no
// private field) and the socket in user:{id}. Both profiles.
func TestConnectValidToken(t *testing.T) {
	t.Parallel()
	for _, profile := range []string{documented, openWebUI} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, refserver.Config{Profile: profile})
			before := time.Now().Unix()
			tb := r.connect(t, "u000002")
			after := time.Now().Unix()

			require.NotEmpty(t, tb.sid())
			assert.NotEqual(t, tb.conn.OpenInfo().SID, tb.sid(), "the pool is keyed by the Socket.IO sid")
			all := r.sessions(t)
			require.Len(t, all, 1)
			e, ok := all[tb.sid()]
			require.True(t, ok, "session keyed by the Socket.IO sid; pool %v", all)
			assert.Equal(t, "u000002", e.ID)
			assert.Equal(t, "User 2", e.Name)
			assert.Equal(t, "u000002@example.com", e.Email)
			assert.Equal(t, webui.RoleUser, e.Role)
			assert.GreaterOrEqual(t, e.LastSeenAt, before)
			assert.LessOrEqual(t, e.LastSeenAt, after)

			data, err := json.Marshal(e)
			require.NoError(t, err)
			var fields map[string]any
			require.NoError(t, json.Unmarshal(data, &fields))
			assert.Contains(t, fields, "last_seen_at")
			for _, private := range []string{"date_of_birth", "bio", "gender", "profile_image_url", "profile_banner_image_url"} {
				assert.NotContains(t, fields, private)
			}

			assert.Equal(t, []string{"user:u000002"}, r.rooms(tb), "connect joins the user room only")
			assert.Equal(t, 1, r.srv.SocketIO().Hub().Size("/", "user:u000002"))
		})
	}
}

// AUTH-3 (and AUTH-1 at connect): every kind of bad token, a missing auth
// and an auth object without a string token. documented: CONNECT_ERROR with
// a message, nothing kept. open-webui: accepted anonymously, no session, no
// user room.
func TestConnectBadToken(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		auth any
	}{
		{"no auth", nil},
		{"empty auth", map[string]any{}},
		{"token not a string", map[string]any{"token": 42}},
		{"token null", map[string]any{"token": nil}},
	}
	for _, bt := range badTokens(t, rigSecret) {
		cases = append(cases, struct {
			name string
			auth any
		}{bt.name, map[string]string{"token": bt.token}})
	}
	for _, profile := range []string{documented, openWebUI} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, refserver.Config{Profile: profile})
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					tb, err := r.open(t, tc.auth)
					if profile == documented {
						var ce *client.ConnectError
						require.ErrorAs(t, err, &ce)
						assert.True(t, strings.HasPrefix(ce.Message(), "invalid token"), "message %q", ce.Message())
						assert.False(t, tb.sock.Connected())
						assert.Zero(t, r.srv.SocketIO().Stats().Sockets.Load(), "no socket kept")
					} else {
						require.NoError(t, err)
						tb.sync(t)
						assert.Empty(t, r.rooms(tb), "anonymous: no user room")
						assert.NotNil(t, r.srv.SocketIO().Socket(tb.sid()), "the socket is connected")
					}
					assert.Empty(t, r.sessions(t), "no session")
				})
			}
		})
	}
}

// AUTH-3, SIO-6: an auth that is not an object is a malformed CONNECT: the
// connection closes, nothing is kept, and other clients are unaffected.
func TestConnectAuthNotObject(t *testing.T) {
	t.Parallel()
	for _, profile := range []string{documented, openWebUI} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, refserver.Config{Profile: profile})
			other := r.join(t, "u000003")
			// (A number cannot be tested this way: `4042` reads as CONNECT
			// with ack id 42.)
			for _, auth := range []any{"token", true, []string{"token"}} {
				tb, err := r.open(t, auth)
				require.Error(t, err, "auth %v", auth)
				var ce *client.ConnectError
				assert.False(t, errors.As(err, &ce), "a protocol error, not a CONNECT_ERROR: %v", err)
				select {
				case <-tb.conn.Done():
				case <-time.After(rigWait):
					t.Fatalf("auth %v: the server did not close the connection", auth)
				}
			}
			all := r.sessions(t)
			assert.Len(t, all, 1, "only the other client's session")
			assert.Contains(t, all, other.sid())
			assert.Len(t, other.userJoin(t, r.token(t, "u000003")).Args, 1, "the other client still works")
		})
	}
}

// AUTH-4: user-join acks exactly {"id","name"}, sets the session and joins
// the user room; a bad token acks with no arguments and changes nothing;
// repeating it is idempotent.
func TestUserJoin(t *testing.T) {
	t.Parallel()
	r := newRig(t, refserver.Config{})
	tb := r.connect(t, "u000002")
	tok := r.token(t, "u000002")

	ack := tb.userJoin(t, tok)
	require.Len(t, ack.Args, 1)
	assert.JSONEq(t, `{"id":"u000002","name":"User 2"}`, string(ack.Args[0]))
	wantRooms := []string{"channel:c0001", "channel:c0003", "user:u000002"}
	assert.Equal(t, wantRooms, r.rooms(tb))

	for range 3 {
		ack = tb.userJoin(t, tok)
		require.Len(t, ack.Args, 1)
	}
	assert.Equal(t, wantRooms, r.rooms(tb), "rooms not duplicated")
	assert.Equal(t, 1, r.srv.SocketIO().Hub().Size("/", "user:u000002"))
	assert.Equal(t, 1, r.srv.SocketIO().Hub().Size("/", "channel:c0003"))
	assert.Len(t, r.sessions(t), 1)

	for _, bt := range badTokens(t, rigSecret) {
		ack := tb.userJoin(t, bt.token)
		assert.Empty(t, ack.Args, "%s: ack with no arguments", bt.name)
	}
	assert.Equal(t, wantRooms, r.rooms(tb), "failed user-joins change no room")
	e, ok := r.session(t, tb)
	require.True(t, ok)
	assert.Equal(t, "u000002", e.ID, "failed user-joins keep the session")
}

// AUTH-4 from an anonymous socket (profile open-webui): user-join with a
// valid token makes it a session socket.
func TestUserJoinFromAnonymous(t *testing.T) {
	t.Parallel()
	r := newRig(t, refserver.Config{Profile: openWebUI})
	tb := r.anonymous(t)
	require.Empty(t, r.sessions(t))

	ack := tb.userJoin(t, r.token(t, "u000004"))
	require.Len(t, ack.Args, 1)
	assert.JSONEq(t, `{"id":"u000004","name":"User 4"}`, string(ack.Args[0]))
	e, ok := r.session(t, tb)
	require.True(t, ok)
	assert.Equal(t, "u000004", e.ID)
	assert.Equal(t, []string{"channel:c0001", "channel:c0002", "user:u000004"}, r.rooms(tb))
}

// AUTH-5: user-join with another user's token. documented: the socket
// leaves the first user's room; open-webui: it keeps both. The fault
// leak-user-rooms on documented keeps both too, so it breaks AUTH-5.
func TestUserJoinOtherUser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		profile  string
		faults   refserver.Faults
		keepsOld bool
	}{
		{"documented", documented, refserver.Faults{}, false},
		{"open-webui", openWebUI, refserver.Faults{}, true},
		{"documented with leak-user-rooms", documented, refserver.Faults{App: webui.Faults{LeakUserRooms: true}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, refserver.Config{Profile: tc.profile, Faults: tc.faults})
			tb := r.join(t, "u000002")
			require.True(t, r.srv.SocketIO().Socket(tb.sid()).InRoom("user:u000002"))

			ack := tb.userJoin(t, r.token(t, "u000003"))
			require.Len(t, ack.Args, 1)
			assert.JSONEq(t, `{"id":"u000003","name":"User 3"}`, string(ack.Args[0]))
			s := r.srv.SocketIO().Socket(tb.sid())
			assert.True(t, s.InRoom("user:u000003"), "joined the second user's room")
			assert.Equal(t, tc.keepsOld, s.InRoom("user:u000002"), "still in the first user's room")
			e, ok := r.session(t, tb)
			require.True(t, ok)
			assert.Equal(t, "u000003", e.ID, "the session is the second user's")
		})
	}
}

// AUTH-6 at the handler level: a pending user is refused at connect and
// at user-join, including a user made pending after connecting.
func TestPendingUserRefused(t *testing.T) {
	t.Parallel()
	r := newRig(t, refserver.Config{})
	_, err := r.open(t, map[string]string{"token": r.token(t, "pending01")})
	var ce *client.ConnectError
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, ce.Message(), "pending")

	tb := r.connect(t, "u000002")
	assert.Empty(t, tb.userJoin(t, r.token(t, "pending01")).Args, "pending01's token at user-join")
	tok := r.token(t, "u000002")
	require.True(t, r.srv.App().Population().SetRole("u000002", webui.RolePending))
	assert.Empty(t, tb.userJoin(t, tok).Args, "a user made pending")
	_, err = r.open(t, map[string]string{"token": tok})
	require.ErrorAs(t, err, &ce, "a user made pending cannot connect")
}

// AUTH-7: identity comes from the session, never the payload: a typing
// event claiming another user is attributed to the session user, a
// heartbeat naming another user touches only the session user, and
// events:chat naming another user answers only the session user.
func TestIdentityFromSession(t *testing.T) {
	t.Parallel()
	r := newRig(t, refserver.Config{})
	sender := r.join(t, "u000002")
	watcher := r.join(t, "u000005")
	victim := r.join(t, "u000003")
	victimEntry, ok := r.session(t, victim)
	require.True(t, ok)

	sender.ack(t, "events:channel", map[string]any{
		"channel_id": "c0001",
		"data":       map[string]any{"type": "typing", "data": map[string]any{}},
		"user":       map[string]any{"id": "u000001", "name": "Admin"},
		"user_id":    "u000001",
	})
	evs := watcher.wait(t, "events:channel", 1)
	var got struct {
		User struct{ ID, Name string } `json:"user"`
	}
	require.NoError(t, evs[0].Decode(&got))
	assert.Equal(t, "u000002", got.User.ID)
	assert.Equal(t, "User 2", got.User.Name)

	sender.ack(t, "heartbeat", map[string]any{"id": "u000003", "user_id": "u000003", "user": map[string]any{"id": "u000003"}})
	pop := r.srv.App().Population()
	u2, _ := pop.User("u000002")
	u3, _ := pop.User("u000003")
	assert.NotZero(t, u2.LastActiveAt, "the session user is touched")
	assert.Zero(t, u3.LastActiveAt, "the user named in the payload is not")
	e, ok := r.session(t, victim)
	require.True(t, ok)
	assert.Equal(t, victimEntry, e, "the other user's session is unchanged")

	// events:chat naming another user answers the session user's tabs.
	sender.ack(t, "events:chat", map[string]any{"chat_id": "c", "user_id": "u000003",
		"user": map[string]any{"id": "u000003"}, "data": map[string]any{"type": "last_read_at"}})
	sender.wait(t, "events", 1)
	victim.sync(t)
	assert.Empty(t, victim.got("events"), "the user named in the payload gets nothing")
}

// The fault accept-bad-tokens breaks AUTH-1 and AUTH-3: a token signed with
// the wrong secret (or alg none) connects with a session.
func TestFaultAcceptBadTokens(t *testing.T) {
	t.Parallel()
	r := newRig(t, refserver.Config{Faults: refserver.Faults{App: webui.Faults{AcceptBadTokens: true}}})
	forged, err := token.Mint([]byte("wrong-secret"), "u000002", time.Hour, time.Now())
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
