package webui_test

// A small harness for driving a real refserver over websocket from the
// document tests (docs_test.go), built on internal/client: docEnv is the
// server, docTab one browser tab's socket on namespace "/" that records
// every event and counts the ACK packets it receives.

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
	"github.com/stampede-sio/stampede/internal/refservertest"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// docWait bounds every wait: a hang fails the test instead of timing out.
const docWait = 5 * time.Second

var docSecret = []byte("k")

// docEnv is a refserver on httptest with 10 users (u000001 admin), 3
// channels and notes n0001 (everyone writes), n0002 (everyone reads, its
// owner u000001 writes), n0003 (u000001 only), n0004 and n0005 (owned by
// u000004 and u000005).
type docEnv struct {
	srv *refserver.Server
	url string
}

// newDocEnv starts a server with profile ("" for documented); cfg, when
// given, adjusts its configuration first.
func newDocEnv(t testing.TB, profile string, cfg ...func(*refserver.Config)) *docEnv {
	t.Helper()
	c := refserver.Config{
		Secret:     docSecret,
		Profile:    profile,
		Population: webui.Generate(webui.Sizes{Users: 10, Channels: 3, Notes: 5}),
	}
	for _, f := range cfg {
		f(&c)
	}
	srv, base := refservertest.Start(t, c, refservertest.Drain(2*time.Second))
	return &docEnv{srv: srv, url: base}
}

func (e *docEnv) app() *webui.App { return e.srv.App() }

// connect opens a tab for user id with a valid token.
func (e *docEnv) connect(t testing.TB, id string) *docTab {
	t.Helper()
	tok, err := webui.Mint(docSecret, id, time.Hour, time.Now())
	require.NoError(t, err)
	return e.open(t, map[string]string{"token": tok})
}

// open dials and connects with auth, and syncs once.
func (e *docEnv) open(t testing.TB, auth any) *docTab {
	t.Helper()
	tb := &docTab{notify: make(chan struct{}, 1)}
	ctx, cancel := context.WithTimeout(context.Background(), docWait)
	defer cancel()
	conn, err := client.Dial(ctx, e.url, &client.Options{
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
	require.NoError(t, tb.sock.Connect(ctx, auth))
	tb.sync(t)
	return tb
}

// docTab is one client socket.
type docTab struct {
	conn   *client.Conn
	sock   *client.Socket
	notify chan struct{}

	mu     sync.Mutex
	events []client.Event
	acks   int // ACK packets received
	syncs  int // ACKs asked for by sync
}

func (tb *docTab) sid() string { return tb.sock.ID() }

// emit sends an event without an ack id; []byte arguments go as binary
// attachments (a BINARY_EVENT with placeholders, SIO-5).
func (tb *docTab) emit(t testing.TB, event string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), docWait)
	defer cancel()
	require.NoError(t, tb.sock.Emit(ctx, event, args...))
}

// emitRaw sends an EVENT packet with this JSON data as it is.
func (tb *docTab) emitRaw(t testing.TB, data string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), docWait)
	defer cancel()
	require.NoError(t, tb.sock.EmitRaw(ctx, socketio.Packet{Type: socketio.Event, ID: socketio.NoID, Data: []byte(data)}, nil))
}

// sync is a round trip (heartbeat with an ack, SESS-2): when it returns the
// server has handled everything sent before, and the tab has received
// everything the server queued to it before.
func (tb *docTab) sync(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), docWait)
	defer cancel()
	_, err := tb.sock.EmitWithAck(ctx, "heartbeat", map[string]any{})
	require.NoError(t, err, "sync")
	tb.mu.Lock()
	tb.syncs++
	tb.mu.Unlock()
}

// got returns the events named name received so far.
func (tb *docTab) got(name string) []client.Event {
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

// wait waits until n events named name have arrived and returns them.
func (tb *docTab) wait(t testing.TB, name string, n int) []client.Event {
	t.Helper()
	deadline := time.After(docWait)
	for {
		if evs := tb.got(name); len(evs) >= n {
			return evs
		}
		select {
		case <-tb.notify:
		case <-deadline:
			t.Fatalf("waited %v for %d %q events, got %d", docWait, n, name, len(tb.got(name)))
		}
	}
}

// quiet syncs and asserts that the tab got no event since the last reset
// and no ACK but its syncs'.
func (tb *docTab) quiet(t testing.TB, msg string) {
	t.Helper()
	tb.sync(t)
	tb.mu.Lock()
	defer tb.mu.Unlock()
	var names []string
	for _, ev := range tb.events {
		names = append(names, ev.Name)
	}
	assert.Empty(t, names, "%s: unexpected events", msg)
	assert.Equal(t, tb.syncs, tb.acks, "%s: ACKs beyond the syncs'", msg)
}

// reset forgets the events received so far.
func (tb *docTab) reset() {
	tb.mu.Lock()
	tb.events = nil
	tb.mu.Unlock()
}

// connected reports whether the socket is still connected.
func (tb *docTab) connected() bool { return tb.sock.Connected() }
