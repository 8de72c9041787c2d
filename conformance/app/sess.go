package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
)

// sessTimeout bounds the cases that wait on the target's session reaper;
// they also bound themselves by the target's session timeout.
const sessTimeout = 10 * time.Minute

func sessCases(r *run) []check.Case {
	return slices.Concat(sess12(r), sess345(r))
}

func sess12(r *run) []check.Case {
	u1, u2, u3, u4 := r.user(), r.user(), r.user(), r.user()
	return []check.Case{
		must("SESS-1/interval", "SESS-1: the heartbeat interval, in seconds (default 30; clamped 5–90), is served to clients as features.websocket_heartbeat_interval, a number of seconds, in GET /api/config.", func(t *check.T) {
			var cfg struct {
				Features map[string]json.RawMessage `json:"features"`
			}
			decode(t, "a JSON object", get(t, "/api/config", ""), &cfg)
			var secs float64
			raw := cfg.Features["websocket_heartbeat_interval"]
			if json.Unmarshal(raw, &secs) != nil || secs < 5 || secs > 90 {
				t.Failf("features.websocket_heartbeat_interval, a number of seconds in 5–90", "%s", raw)
			}
		}),
		must("SESS-2/last-seen", "SESS-2: On heartbeat from a socket with a session: refresh last_seen_at in the session pool.", func(t *check.T) {
			needControl(t)
			tb := login(t, u1)
			before := lastSeen(t, mustEntry(t, tb))
			nextSecond(t, before)
			tb.emit("heartbeat", map[string]any{})
			if !poll(t, check.Wait, func() bool { return lastSeen(t, mustEntry(t, tb)) > before }) {
				t.Failf("last_seen_at later than "+render(before)+" after a heartbeat", "entry %s", render(mustEntry(t, tb)))
			}
		}),
		must("SESS-2/last-active", "SESS-2: On heartbeat from a socket with a session: update the user's last_active_at.", func(t *check.T) {
			needControl(t)
			tb := login(t, u2)
			before := lastActive(t, u2)
			nextSecond(t, before)
			sent := float64(time.Now().Unix())
			tb.emit("heartbeat", map[string]any{})
			if !poll(t, check.Wait, func() bool { return lastActive(t, u2) >= sent }) {
				t.Failf("the user's last_active_at at or after "+render(sent)+" after a heartbeat", "%v", lastActive(t, u2))
			}
		}),
		must("SESS-2/ack", "SESS-2: No ack is needed; an ack request gets [].", func(t *check.T) {
			tb := login(t, u3)
			if p := tb.call("heartbeat", map[string]any{}); len(p.Args) != 0 {
				t.Failf("an ack with no arguments ([])", "ack %s", args(p))
			}
		}),
		slow("SESS-2/recreate", "SESS-2: On heartbeat from a socket with a session: refresh last_seen_at in the session pool (re-creating a reaped entry).", sessTimeout, func(t *check.T) {
			tb := reaped(t, u4)
			tb.emit("heartbeat", map[string]any{})
			if !poll(t, check.Wait, func() bool { _, ok := entry(t, tb.sock.ID()); return ok }) {
				t.Failf("the heartbeat to re-create the reaped entry", "no entry for sid %s", tb.sock.ID())
			}
		}),
	}
}

func sess345(r *run) []check.Case {
	u5, u6, u7, u8 := r.user(), r.user(), r.user(), r.user()
	return []check.Case{
		slow("SESS-3/reaped", "SESS-3: The session reaper runs every session timeout and removes entries whose last_seen_at is older than that. The socket stays connected.", sessTimeout, func(t *check.T) {
			tb := reaped(t, u5)
			tb.alive("the socket to stay connected when its session entry is reaped")
		}),
		slow("SESS-3/kept", "SESS-3: The session reaper removes entries whose last_seen_at is older than the session timeout; heartbeats (SESS-2) keep an entry fresh.", sessTimeout, func(t *check.T) {
			st := sessionTimeout(t)
			tb := login(t, u6)
			mustEntry(t, tb)
			start := time.Now()
			end := start.Add(2*st + 2*time.Second)
			beat := min(st/4, time.Second)
			last := time.Time{}
			for time.Now().Before(end) && t.Context().Err() == nil {
				if time.Since(last) >= beat {
					tb.emit("heartbeat", map[string]any{})
					last = time.Now()
				}
				if _, ok := entry(t, tb.sock.ID()); !ok {
					t.Failf("the entry of a socket that heartbeats every "+beat.String()+" to stay in the pool", "it was gone after %v", time.Since(start).Round(time.Millisecond))
				}
				sleep(t, 200*time.Millisecond)
			}
		}),
		must("SESS-4/session", "SESS-4: On disconnect: the session entry is removed.", func(t *check.T) {
			needControl(t)
			byPacket, byTransport := login(t, u7), login(t, u7)
			mustEntry(t, byPacket)
			mustEntry(t, byTransport)
			byPacket.sock.Disconnect()
			byTransport.conn.Close()
			for _, tb := range []*tab{byPacket, byTransport} {
				if !poll(t, check.Wait, func() bool { _, ok := entry(t, tb.sock.ID()); return !ok }) {
					t.Failf("the entry of a disconnected socket removed", "sid %s is still in the pool", tb.sock.ID())
				}
			}
		}),
		slow("SESS-4/usage", "SESS-4: On disconnect: the socket's usage entries are dropped.", 30*time.Second, func(t *check.T) {
			tb := login(t, u8)
			model := newID("model")
			usage := map[string]any{"model": model, "action": "generate", "chat_id": newID("chat")}
			tb.emit("usage", usage)
			if !poll(t, check.Wait, func() bool { return inUse(t, model) }) {
				t.Failf("model "+model+" in /api/usage model_ids after usage (CHAT-4)", "not listed")
			}
			marked := time.Now()
			tb.emit("usage", usage) // refreshed just before the disconnect, handled before it
			tb.sock.Disconnect()
			// The usage reaper (CHAT-4) cannot take an entry younger than 3 s.
			if !poll(t, time.Until(marked.Add(2500*time.Millisecond)), func() bool { return !inUse(t, model) }) {
				t.Failf("the model dropped from /api/usage on disconnect", "still listed %v after the usage event", time.Since(marked).Round(time.Millisecond))
			}
		}),
	}
}

func mustEntry(t *check.T, tb *tab) map[string]json.RawMessage {
	e, ok := entry(t, tb.sock.ID())
	if !ok {
		t.Failf("a session entry for sid "+tb.sock.ID()+" (AUTH-2)", "none in the pool")
	}
	return e
}

// nextSecond waits until the clock, in whole seconds, is past unix: the
// pool's times have one-second resolution.
func nextSecond(t *check.T, unix float64) {
	for float64(time.Now().Unix()) <= unix && t.Context().Err() == nil {
		sleep(t, 50*time.Millisecond)
	}
}

func lastActive(t *check.T, user string) float64 {
	var u struct {
		LastActiveAt *float64 `json:"last_active_at"`
	}
	decode(t, "a user {id, name, role, last_active_at}", admin(t, http.MethodGet, "/api/control/users/"+user, nil), &u)
	if u.LastActiveAt == nil {
		t.Failf("last_active_at in the user", "none")
	}
	return *u.LastActiveAt
}

func sessionTimeout(t *check.T) time.Duration {
	needControl(t)
	st := t.Target.SessionTimeout
	if st <= 0 {
		t.Skip(noSessionTimeout)
	}
	if d, ok := t.Context().Deadline(); ok && time.Until(d) < 3*st {
		t.Skip(fmt.Sprintf("the session timeout %v is too long for the case's %v", st, time.Until(d).Round(time.Second)))
	}
	return st
}

// reaped connects user, sends no heartbeat, and waits for the reaper to
// remove the entry: not before half the session timeout, and within two
// periods and a bit.
func reaped(t *check.T, user string) *tab {
	st := sessionTimeout(t)
	tb := login(t, user)
	mustEntry(t, tb)
	sleep(t, st/2)
	if _, ok := entry(t, tb.sock.ID()); !ok {
		t.Failf("the entry kept until it is older than the session timeout "+st.String(), "gone after %v", st/2)
	}
	if !poll(t, 2*st+3*time.Second, func() bool { _, ok := entry(t, tb.sock.ID()); return !ok }) {
		t.Failf("the entry removed within two reaper periods ("+(2*st).String()+") and a bit", "still there after %v", 2*st+3*time.Second+st/2)
	}
	return tb
}

// inUse reports whether /api/usage lists model.
func inUse(t *check.T, model string) bool {
	var u struct {
		ModelIDs []string `json:"model_ids"`
	}
	decode(t, "{model_ids, user_count}", get(t, "/api/usage", t.Target.Token(check.AdminUser, time.Hour)), &u)
	return slices.Contains(u.ModelIDs, model)
}
