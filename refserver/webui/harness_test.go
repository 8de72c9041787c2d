package webui_test

// The harness of the handler and document tests: rig is a refserver on
// httptest, tab one browser tab's socket on namespace "/" (over
// internal/client) that records every event and counts the ACK packets it
// receives.

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
	"github.com/stampede-sio/stampede/internal/token"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/refservertest"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// rigWait bounds every wait on the server: a hang fails the test instead of
// timing it out. It is a bound, not a delay: TestDocUpdateBadInputs takes
// about 6 s under -race on a quiet machine (its oversize inputs), and its
// round trip after them waited more than 5 s once under make test's load.
const rigWait = 20 * time.Second

// The two profiles of PROTOCOL.md's table.
const (
	documented = "documented"
	openWebUI  = "open-webui"
)

var rigSecret = []byte("rig-secret")

// rig is a refserver on httptest, by default with the generated population
// of 50 users (u000001 admin), channels c0001 (everyone) and c0002–c0004
// (user i in c000k with k-2 = (i-1) mod 3), and notes n0001–n0005.
type rig struct {
	srv *refserver.Server
	url string
	hc  *http.Client
}

func newRig(t testing.TB, cfg refserver.Config) *rig {
	t.Helper()
	if cfg.Secret == nil {
		cfg.Secret = rigSecret
	}
	if cfg.Population == nil {
		cfg.Population = webui.Generate(webui.Sizes{Users: 50, Channels: 4, Notes: 5})
	}
	srv, base := refservertest.Start(t, cfg, refservertest.Drain(2*time.Second))
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &rig{srv: srv, url: base, hc: &http.Client{Transport: tr, Timeout: rigWait}}
}

// newDocEnv is the rig of the document tests: 10 users (u000001 admin), 3
// channels and notes n0001 (everyone writes), n0002 (everyone reads, its
// owner u000001 writes), n0003 (u000001 only), n0004 and n0005 (owned by
// u000004 and u000005), under profile ("" for documented); cfg, when
// given, adjusts the configuration first.
func newDocEnv(t testing.TB, profile string, cfg ...func(*refserver.Config)) *rig {
	t.Helper()
	c := refserver.Config{Profile: profile, Population: webui.Generate(webui.Sizes{Users: 10, Channels: 3, Notes: 5})}
	for _, f := range cfg {
		f(&c)
	}
	return newRig(t, c)
}

func (r *rig) app() *webui.App { return r.srv.App() }

// token mints a valid token for user id, signed with the rig's secret.
func (r *rig) token(t testing.TB, id string) string {
	t.Helper()
	tok, err := token.Mint(r.srv.Secret(), id, time.Hour, time.Now())
	require.NoError(t, err)
	return tok
}

// tab is one client socket on namespace "/" (a browser tab), recording every
// event it receives and counting the ACK packets.
type tab struct {
	conn   *client.Conn
	sock   *client.Socket
	notify chan struct{}

	mu     sync.Mutex
	events []client.Event
	acks   int // ACK packets received
	asked  int // acks asked for by ack
}

// dial opens a connection whose socket records events; nothing is
// connected yet.
func (r *rig) dial(t testing.TB) *tab {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), rigWait)
	defer cancel()
	tb := &tab{notify: make(chan struct{}, 1)}
	conn, err := client.Dial(ctx, r.url, &client.Options{
		Path: "/ws/socket.io/",
		OnRaw: func(dir client.Direction, p engineio.Packet) {
			if dir == client.Received && p.Type == engineio.Message && !p.Binary && len(p.Data) > 0 && p.Data[0] == '3' {
				tb.mu.Lock()
				tb.acks++
				tb.mu.Unlock()
			}
		},
	})
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	tb.conn, tb.sock = conn, conn.Socket("/")
	tb.sock.OnAny(func(ev client.Event) {
		tb.mu.Lock()
		tb.events = append(tb.events, ev)
		tb.mu.Unlock()
		select {
		case tb.notify <- struct{}{}:
		default:
		}
	})
	return tb
}

// open dials and connects with auth (nil sends no auth at all).
func (r *rig) open(t testing.TB, auth any) (*tab, error) {
	t.Helper()
	tb := r.dial(t)
	ctx, cancel := context.WithTimeout(context.Background(), rigWait)
	defer cancel()
	return tb, tb.sock.Connect(ctx, auth)
}

// connect opens a tab with a valid token for user id and waits until the
// server has run its connect handlers.
func (r *rig) connect(t testing.TB, id string) *tab {
	t.Helper()
	tb, err := r.open(t, map[string]string{"token": r.token(t, id)})
	require.NoError(t, err)
	tb.sync(t)
	return tb
}

// anonymous opens a tab with a forged token: a CONNECT_ERROR under profile
// documented, an anonymous socket under open-webui (AUTH-3).
func (r *rig) anonymous(t testing.TB) *tab {
	t.Helper()
	tb, err := r.open(t, map[string]string{"token": "forged"})
	require.NoError(t, err, "the open-webui profile accepts bad tokens anonymously")
	tb.sync(t)
	return tb
}

// join connects as user id and sends user-join with the same token,
// requiring the {id, name} ack.
func (r *rig) join(t testing.TB, id string) *tab {
	t.Helper()
	tb := r.connect(t, id)
	ack := tb.userJoin(t, r.token(t, id))
	require.Len(t, ack.Args, 1, "user-join ack for %s", id)
	return tb
}

// session returns the pool entry of a tab.
func (r *rig) session(t testing.TB, tb *tab) (webui.SessionEntry, bool) {
	t.Helper()
	all, err := r.srv.App().Sessions().All()
	require.NoError(t, err)
	e, ok := all[tb.sid()]
	return e, ok
}

// sessions returns the whole session pool.
func (r *rig) sessions(t testing.TB) map[string]webui.SessionEntry {
	t.Helper()
	all, err := r.srv.App().Sessions().All()
	require.NoError(t, err)
	return all
}

// rooms lists the server-side rooms of a tab, sorted; nil when the server
// holds no such socket.
func (r *rig) rooms(tb *tab) []string {
	s := r.srv.SocketIO().Socket(tb.sid())
	if s == nil {
		return nil
	}
	rooms := s.Rooms()
	slices.Sort(rooms)
	return rooms
}

// inRoom reports whether the server holds tab's socket in room.
func (r *rig) inRoom(tb *tab, room string) bool {
	s := r.srv.SocketIO().Socket(tb.sid())
	return s != nil && s.InRoom(room)
}

// roomsWith lists the tab's rooms that start with prefix.
func (r *rig) roomsWith(tb *tab, prefix string) []string {
	var out []string
	for _, room := range r.rooms(tb) {
		if strings.HasPrefix(room, prefix) {
			out = append(out, room)
		}
	}
	return out
}

// usage is GET /api/usage (CHAT-4) as user u000001.
func (r *rig) usage(t testing.TB) (models []string, users int) {
	t.Helper()
	req, err := http.NewRequest("GET", r.url+"/api/usage", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+r.token(t, "u000001"))
	resp, err := r.hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var body struct {
		ModelIDs  []string `json:"model_ids"`
		UserCount int      `json:"user_count"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return body.ModelIDs, body.UserCount
}

func (tb *tab) sid() string { return tb.sock.ID() }

// ack emits event with an ack id and returns the ack.
func (tb *tab) ack(t testing.TB, event string, args ...any) client.Payload {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), rigWait)
	defer cancel()
	p, err := tb.sock.EmitWithAck(ctx, event, args...)
	require.NoError(t, err, "ack of %s", event)
	tb.mu.Lock()
	tb.asked++
	tb.mu.Unlock()
	return p
}

// userJoin sends user-join {auth:{token}} (AUTH-4).
func (tb *tab) userJoin(t testing.TB, token string) client.Payload {
	t.Helper()
	return tb.ack(t, "user-join", authArg(token))
}

func authArg(token string) map[string]any {
	return map[string]any{"auth": map[string]string{"token": token}}
}

// sync is a round trip with no effect (events:channel without arguments
// is ignored, then acked): the server has handled everything this tab sent
// before, and the tab has received everything queued to it before the ack.
func (tb *tab) sync(t testing.TB) {
	t.Helper()
	tb.ack(t, "events:channel")
}

// got returns the events named name received so far.
func (tb *tab) got(name string) []client.Event {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	var out []client.Event
	for _, ev := range tb.events {
		if ev.Name == name {
			out = append(out, ev)
		}
	}
	return out
}

// wait waits for n events named name and returns them.
func (tb *tab) wait(t testing.TB, name string, n int) []client.Event {
	t.Helper()
	deadline := time.After(rigWait)
	for {
		if evs := tb.got(name); len(evs) >= n {
			return evs
		}
		select {
		case <-tb.notify:
		case <-deadline:
			t.Fatalf("waited %v for %d %q events, got %d", rigWait, n, name, len(tb.got(name)))
		}
	}
}

// none syncs the tab and asserts that it received no event at all.
func (tb *tab) none(t testing.TB, msg string) {
	t.Helper()
	tb.sync(t)
	tb.mu.Lock()
	defer tb.mu.Unlock()
	var names []string
	for _, ev := range tb.events {
		names = append(names, ev.Name)
	}
	assert.Empty(t, names, "%s: unexpected events", msg)
}

// quiet is none, and also asserts that no ACK came but the ones the tab
// asked for.
func (tb *tab) quiet(t testing.TB, msg string) {
	t.Helper()
	tb.none(t, msg)
	tb.mu.Lock()
	defer tb.mu.Unlock()
	assert.Equal(t, tb.asked, tb.acks, "%s: ACKs beyond the ones asked for", msg)
}

// emit sends an event without an ack id; []byte arguments go as binary
// attachments (a BINARY_EVENT with placeholders, SIO-5).
func (tb *tab) emit(t testing.TB, event string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), rigWait)
	defer cancel()
	require.NoError(t, tb.sock.Emit(ctx, event, args...))
}

// emitRaw sends an EVENT packet with this JSON data as it is.
func (tb *tab) emitRaw(t testing.TB, data string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), rigWait)
	defer cancel()
	require.NoError(t, tb.sock.EmitRaw(ctx, socketio.Packet{Type: socketio.Event, ID: socketio.NoID, Data: []byte(data)}, nil))
}

// reset forgets the events received so far.
func (tb *tab) reset() {
	tb.mu.Lock()
	tb.events = nil
	tb.mu.Unlock()
}

// connected reports whether the socket is still connected.
func (tb *tab) connected() bool { return tb.sock.Connected() }

// must returns v, failing on a store error (the memory stores have none).
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
