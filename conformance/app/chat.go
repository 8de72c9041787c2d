package app

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/client"
)

const (
	reqCHAT1 = "CHAT-1: Server → client events {chat_id, message_id, data:{type, data}} go to user:{id}: every tab (socket) of that user, on every instance, and no one else."
	reqCHAT2 = "CHAT-2: Server → one tab call: events with an ack id, sent only to a sid whose session belongs to the requesting user; the reply is the client's ack. A call to a sid of another user or an unknown sid is not sent and answers {\"error\":\"Client session disconnected.\"}."
	reqCHAT4 = "CHAT-4: usage {model, action, chat_id} every 1 s while generating: marks the model in use by that sid; entries older than 3 s are reaped every 3 s; GET /api/usage returns {model_ids, user_count}."
)

// clientGone is CHAT-2's answer for a sid that may not be called.
const clientGone = "Client session disconnected."

func chatCases(r *run) []check.Case {
	return slices.Concat(chat12(r), chat34(r))
}

func chat12(r *run) []check.Case {
	a, b, c, d, e, f, g, h, i := r.user(), r.user(), r.user(), r.user(), r.user(), r.user(), r.user(), r.user(), r.user()
	return []check.Case{
		must("CHAT-1/every-tab", reqCHAT1+" Here: every tab, once.", func(t *check.T) {
			needControl(t)
			tabs := []*tab{login(t, a), login(t, a)}
			chat := sendEvents(t, a)
			for _, tb := range tabs {
				tb.expect("the events on every tab of "+a, isChat(chat))
			}
			sleep(t, quiet)
			for _, tb := range tabs {
				if n := len(tb.find(isChat(chat))); n != 1 {
					t.Failf("one copy of the events per tab", "%d copies on %s", n, tb)
				}
			}
		}),
		must("CHAT-1/no-one-else", reqCHAT1+" Here: no one else.", func(t *check.T) {
			needControl(t)
			to, other := login(t, b), login(t, c)
			chat := sendEvents(t, b)
			m := to.expect("the events on the user's tab", isChat(chat))
			var data struct {
				Type string `json:"type"`
			}
			if m.str("message_id") == "" || !m.field("data", &data) || data.Type != "status" {
				t.Failf(`events {chat_id, message_id, data:{type:"status", data}}`, "%s", m)
			}
			other.refuse("nothing on another user's socket", quiet, isChat(chat))
		}),
		must("CHAT-1/stream", reqCHAT1+" Here: a streamed completion, chat:completion deltas then done.", func(t *check.T) { stream(t, d, e) }),
		must("CHAT-2/own-sid", reqCHAT2+" Here: the user's own sid.", func(t *check.T) {
			needControl(t)
			tb := login(t, f)
			marker := newID("reply")
			tb.answerCalls(func(client.Event) []any { return []any{map[string]string{"reply": marker}} })
			var got map[string]any
			decode(t, "the client's ack as the answer", callSID(t, f, tb.sock.ID()), &got)
			if got["reply"] != marker {
				t.Failf(`the client's ack {"reply":"`+marker+`"} as the answer`, "%s", render(got))
			}
			if calls := tb.find(func(m msg) bool { return m.Name == "events" && m.AckID >= 0 }); len(calls) != 1 {
				t.Failf("one events with an ack id on the tab", "%d", len(calls))
			}
		}),
		must("CHAT-2/other-user-sid", reqCHAT2+" Here: a sid of another user.", func(t *check.T) {
			needControl(t)
			login(t, g)
			other := login(t, h)
			other.answerCalls(func(client.Event) []any { return []any{"answered"} })
			gone(t, callSID(t, g, other.sock.ID()))
			other.refuse("no call sent to another user's sid", 0, func(m msg) bool { return m.Name == "events" })
		}),
		must("CHAT-2/unknown-sid", reqCHAT2+" Here: an unknown sid.", func(t *check.T) {
			needControl(t)
			login(t, i)
			gone(t, callSID(t, i, newID("sid")))
		}),
	}
}

func chat34(r *run) []check.Case {
	j, k, l, m := r.user(), r.user(), r.user(), r.user()
	return []check.Case{
		must("CHAT-3/chat-list", "CHAT-3: events:chat {chat_id, data:{type:\"last_read_at\"}} from a session socket: answered with events {chat_id, data:{type:\"chat:list\", data:{chat_id, last_read_at}}} to all the user's tabs.", func(t *check.T) {
			tb, other, stranger := login(t, j), login(t, j), login(t, k)
			chat := newID("chat")
			tb.emit("events:chat", map[string]any{"chat_id": chat, "data": map[string]string{"type": "last_read_at"}})
			for _, s := range []*tab{tb, other} {
				m := s.expect("chat:list on every tab of the user", isChat(chat))
				var data struct {
					Type string `json:"type"`
					Data struct {
						ChatID     string   `json:"chat_id"`
						LastReadAt *float64 `json:"last_read_at"`
					} `json:"data"`
				}
				if !m.field("data", &data) || data.Type != "chat:list" || data.Data.ChatID != chat || data.Data.LastReadAt == nil {
					t.Failf(`events {chat_id, data:{type:"chat:list", data:{chat_id, last_read_at}}}`, "%s", m)
				}
			}
			stranger.refuse("nothing to another user", quiet, isChat(chat))
		}),
		slow("CHAT-4/listed", reqCHAT4+" Here: the model is listed while in use.", 30*time.Second, func(t *check.T) {
			tb := login(t, l)
			model := newID("model")
			var u struct {
				ModelIDs  []string `json:"model_ids"`
				UserCount *float64 `json:"user_count"`
			}
			ok := poll(t, check.Wait, func() bool {
				tb.emit("usage", map[string]any{"model": model, "action": "generate", "chat_id": newID("chat")})
				decode(t, "{model_ids, user_count}", get(t, "/api/usage", t.Target.Token(l, time.Hour)), &u)
				return strings.Contains(render(u.ModelIDs), `"`+model+`"`)
			})
			if !ok {
				t.Failf("model "+model+" in model_ids while its usage events come", "model_ids %s", render(u.ModelIDs))
			}
			if u.UserCount == nil || *u.UserCount < 1 {
				t.Failf("user_count at least 1 while a session is open", "%s", render(u))
			}
		}),
		slow("CHAT-4/reaped", reqCHAT4+" Here: an entry no longer refreshed is reaped.", 30*time.Second, func(t *check.T) {
			tb := login(t, m)
			model := newID("model")
			marked := time.Now()
			tb.emit("usage", map[string]any{"model": model, "action": "generate", "chat_id": newID("chat")})
			if !poll(t, check.Wait, func() bool { return inUse(t, model) }) {
				t.Failf("model "+model+" listed after a usage event", "not listed")
			}
			sleep(t, time.Until(marked.Add(1500*time.Millisecond)))
			if !inUse(t, model) {
				t.Failf("the entry kept until it is older than 3 s", "gone after %v", time.Since(marked).Round(time.Millisecond))
			}
			// Older than 3 s, reaped every 3 s, on one-second timestamps.
			if !poll(t, time.Until(marked.Add(9*time.Second)), func() bool { return !inUse(t, model) }) {
				t.Failf("the entry reaped once older than 3 s (within 3 s + the 3 s period)", "still listed %v after the last usage event", time.Since(marked).Round(time.Millisecond))
			}
		}),
	}
}

// callSID asks the server to call sid as user's tab (CHAT-2) and returns
// the answer.
func callSID(t *check.T, user, sid string) []byte {
	return admin(t, http.MethodPost, "/api/control/call", map[string]any{
		"user_id": user, "sid": sid, "chat_id": newID("chat"), "timeout": "3s",
		"data": map[string]any{"type": "execute:python", "data": map[string]string{"code": "1"}},
	})
}

// gone checks CHAT-2's answer for a sid that may not be called.
func gone(t *check.T, answer []byte) {
	var v struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(answer, &v) != nil || v.Error != clientGone {
		t.Failf(`{"error":"`+clientGone+`"}`, "%s", answer)
	}
}

// stream is CHAT-1 for a synthetic completion: deltas in order, then done
// with the whole text, to the user's tab and no one else.
func stream(t *check.T, user, other string) {
	needControl(t)
	tb, stranger := login(t, user), login(t, other)
	chat := newID("chat")
	admin(t, http.MethodPost, "/api/control/stream", map[string]any{"user_id": user, "chat_id": chat, "message_id": newID("msg"),
		"content": "one two three four five", "deltas": 5, "interval": "20ms", "wait": true})
	done := func(m msg) bool {
		var data struct {
			Data struct {
				Done bool `json:"done"`
			} `json:"data"`
		}
		return isChat(chat)(m) && m.field("data", &data) && data.Data.Done
	}
	tb.expect("the stream's last event, done:true", done)
	var last string
	for _, m := range tb.find(isChat(chat)) {
		var data struct {
			Type string `json:"type"`
			Data struct {
				Content string `json:"content"`
			} `json:"data"`
		}
		if !m.field("data", &data) || data.Type != "chat:completion" || !strings.HasPrefix(data.Data.Content, last) {
			t.Failf("chat:completion events whose content grows in order", "%s after content %q", m, last)
		}
		last = data.Data.Content
	}
	if last != "one two three four five" {
		t.Failf(`done with the whole text "one two three four five"`, "%q", last)
	}
	stranger.refuse("no stream events on another user's socket", 0, isChat(chat))
}
