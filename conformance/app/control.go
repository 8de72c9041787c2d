package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
)

// The reasons a case skips.
const (
	noSecret         = "no --secret: cannot mint tokens"
	noControl        = "the target has no refserver control API (/api/control): the suite cannot make the server act on its own"
	noSessionTimeout = "no --session-timeout: the target's session reaper timeout is unknown"
)

func needSecret(t *check.T) {
	if t.Target.Secret == nil {
		t.Skip(noSecret)
	}
}

func needControl(t *check.T) {
	needSecret(t)
	if !t.Target.Control {
		t.Skip(noControl)
	}
}

// documented reports whether the target runs profile documented (the
// default) rather than open-webui.
func documented(t *check.T) bool { return t.Target.Profile != "open-webui" }

// newID returns a fresh id, so that what one case sends is never taken for
// what another case sent.
func newID(prefix string) string {
	var b [6]byte
	rand.Read(b[:])
	return "stampede-" + prefix + "-" + hex.EncodeToString(b[:])
}

// request performs one HTTP request with a bearer token ("" for none) and
// a JSON body (nil for none). It never ends the case: errors are returned,
// so that it may run in deferred cleanup.
func request(t *check.T, method, path string, body any, token string) (int, []byte, error) {
	return requestAt(t, t.Target.URL, method, path, body, token)
}

// requestAt is request against another base URL (the peer, SCALE).
func requestAt(t *check.T, base *url.URL, method, path string, body any, token string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(t.Context(), check.Wait)
	defer cancel()
	var rd io.Reader
	var sent string
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd, sent = bytes.NewReader(b), string(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(base.String(), "/")+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	t.Logf("HTTP > %s %s%s %s", method, base.Host, path, sent)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	t.Logf("HTTP < %d %.300s", resp.StatusCode, b)
	return resp.StatusCode, b, err
}

// api performs a request and fails the case unless it is answered 2xx; it
// returns the body.
func api(t *check.T, method, path string, body any, token string) []byte {
	status, b, err := request(t, method, path, body, token)
	switch {
	case err != nil:
		t.Failf(fmt.Sprintf("an answer to %s %s", method, path), "%v", err)
	case status/100 != 2:
		t.Failf(fmt.Sprintf("%s %s to succeed", method, path), "HTTP %d %s", status, b)
	}
	return b
}

// admin calls the control API (or an admin route) as the admin user.
func admin(t *check.T, method, path string, body any) []byte {
	return api(t, method, path, body, t.Target.Token(check.AdminUser, time.Hour))
}

// decode unmarshals an answer, failing the case when it is not JSON of v's
// shape.
func decode(t *check.T, what string, b []byte, v any) {
	if err := json.Unmarshal(b, v); err != nil {
		t.Failf(what, "%s (%v)", b, err)
	}
}

// sendEvents makes the server emit `events` to every tab of user (CHAT-1)
// with a fresh chat id, which it returns.
func sendEvents(t *check.T, user string) string {
	chat := newID("chat")
	admin(t, http.MethodPost, "/api/control/events", map[string]any{
		"user_id": user, "chat_id": chat, "message_id": newID("msg"),
		"data": map[string]any{"type": "status", "data": map[string]any{"description": "stampede check"}},
	})
	return chat
}

// isChat matches the `events` of one chat id.
func isChat(chat string) func(msg) bool {
	return func(m msg) bool { return m.Name == "events" && m.str("chat_id") == chat }
}

// sessions returns the target's session pool, sid → entry.
func sessions(t *check.T) map[string]map[string]json.RawMessage {
	var pool map[string]map[string]json.RawMessage
	decode(t, "the session pool as {sid: entry}", admin(t, http.MethodGet, "/api/control/sessions", nil), &pool)
	return pool
}

// entry returns the session entry of sid.
func entry(t *check.T, sid string) (map[string]json.RawMessage, bool) {
	e, ok := sessions(t)[sid]
	return e, ok
}

// lastSeen is an entry's last_seen_at.
func lastSeen(t *check.T, e map[string]json.RawMessage) float64 {
	var v float64
	if json.Unmarshal(e["last_seen_at"], &v) != nil {
		t.Failf("a session entry with a number last_seen_at", "entry %v", render(e))
	}
	return v
}

func render(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// poll calls cond every 100 ms until it holds or d has passed; it reports
// whether it held.
func poll(t *check.T, d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-t.Context().Done():
			return false
		}
	}
}

// sleep waits d, or until the case's time runs out.
func sleep(t *check.T, d time.Duration) {
	select {
	case <-time.After(d):
	case <-t.Context().Done():
	}
}
