package sio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stampede-sio/stampede/internal/test/leakcheck"

	"github.com/stampede-sio/stampede/internal/protocol/socketio"
	"github.com/stampede-sio/stampede/internal/test/wstest"
	"github.com/stampede-sio/stampede/refserver/engine"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, leakcheck.IgnoreParker)
}

// waitFor bounds every wait: a hang fails the test instead of timing out.
const waitFor = 5 * time.Second

// testServer is a Socket.IO server on httptest serving the namespaces /t and
// /u with the handlers of testNamespace.
type testServer struct {
	*Server
	eng  *engine.Server
	http *httptest.Server
	gone sync.Map // sid → reason of every Disconnected call
}

func newTestServer(t *testing.T, cfg engine.Config) *testServer {
	t.Helper()
	return newLimitedServer(t, cfg, Limits{})
}

// newLimitedServer is newTestServer with section 12's limits set.
func newLimitedServer(t *testing.T, cfg engine.Config, l Limits) *testServer {
	t.Helper()
	ts := &testServer{}
	greet := &Namespace{Name: "/greet", Connected: func(s *Socket) { _ = s.Emit("hello") }}
	ts.Server = New(nil, ts.namespace("/t"), ts.namespace("/u"), greet)
	ts.SetLimits(l)
	cfg.OnOpen = ts.OnOpen
	ts.eng = engine.New(cfg)
	ts.http = httptest.NewServer(ts.eng)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		ts.eng.Shutdown(ctx)
		ts.http.Close()
	})
	return ts
}

// namespace serves the events the tests drive.
func (ts *testServer) namespace(name string) *Namespace {
	room := func(ev *Event) string {
		var args []json.RawMessage
		var r string
		if json.Unmarshal(ev.Args, &args) == nil && len(args) > 0 {
			json.Unmarshal(args[0], &r)
		}
		return r
	}
	return &Namespace{
		Name: name,
		Authorize: func(s *Socket, auth json.RawMessage) error {
			switch {
			case strings.Contains(string(auth), "deny"):
				return errors.New("denied")
			case strings.Contains(string(auth), "custom"):
				return &ConnectError{Data: json.RawMessage(`"custom refusal"`)}
			}
			s.SetData(auth)
			return nil
		},
		Disconnected: func(s *Socket, reason string) {
			if _, dup := ts.gone.LoadOrStore(s.ID(), reason); dup {
				panic("Disconnected ran twice for " + s.ID())
			}
		},
		Events: map[string]EventHandler{
			"echo": func(_ *Socket, ev *Event) { ev.AckRaw(ev.Args, ev.Attachments) },
			"message": func(s *Socket, ev *Event) {
				s.EmitRaw(socketio.EventData("message-back", ev.Args), ev.Attachments)
			},
			"auth": func(s *Socket, ev *Event) {
				ev.AckRaw(socketio.JoinArgs([]json.RawMessage{s.Data().(json.RawMessage)}), nil)
			},
			"ack-twice": func(_ *Socket, ev *Event) {
				ev.Ack("first")
				ev.Ack("second")
			},
			"no-ack": func(*Socket, *Event) {},
			"bye":    func(s *Socket, _ *Event) { s.Disconnect() },
			"values": func(_ *Socket, ev *Event) { // SIO-5: the handler sees the bytes
				v, err := ev.Values()
				if err != nil {
					ev.Ack("error", err.Error())
					return
				}
				kinds := make([]any, 0, 2*len(v))
				for _, x := range v {
					kinds = append(kinds, fmt.Sprintf("%T", x), x)
				}
				ev.Ack(kinds...)
			},
			"join": func(s *Socket, ev *Event) {
				s.Join(room(ev))
				ev.Ack("joined")
			},
			"leave": func(s *Socket, ev *Event) {
				s.Leave(room(ev))
				ev.Ack("left")
			},
			"shout": func(s *Socket, ev *Event) { // ["shout", room, payload]
				n := ts.EmitRaw(Broadcast{Namespace: s.Namespace(), Rooms: []string{room(ev)}},
					socketio.EventData("shouted", json.RawMessage(after1(ev.Args))), ev.Attachments)
				ev.Ack(n)
			},
			"shout-others": func(s *Socket, ev *Event) {
				n := ts.EmitRaw(Broadcast{Namespace: s.Namespace(), Rooms: []string{room(ev)}, Except: s.ID()},
					socketio.EventData("shouted", json.RawMessage(after1(ev.Args))), ev.Attachments)
				ev.Ack(n)
			},
		},
	}
}

// after1 drops the first element of a JSON array.
func after1(args json.RawMessage) []byte {
	var v []json.RawMessage
	json.Unmarshal(args, &v)
	if len(v) > 0 {
		v = v[1:]
	}
	return socketio.JoinArgs(v)
}

// frame is one websocket message from the server.
type frame = wstest.Frame

// client is a raw Socket.IO client over one websocket (internal/test/wstest):
// one read loop that answers pings and forwards everything else; writes
// from the test.
type client struct {
	*wstest.Client
	eioSID string
}

// dial opens a websocket session and reads its OPEN packet.
func dial(t *testing.T, ts *testServer) *client {
	t.Helper()
	url := "ws" + strings.TrimPrefix(ts.http.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	c := &client{Client: wstest.Dial(t, url, nil, true, waitFor)}
	c.eioSID = wstest.ParseOpen(t, c.next(t).Data).SID
	return c
}

func (c *client) close()                          { c.Close() }
func (c *client) write(mt int, data string) error { return c.Write(mt, data) }
func (c *client) next(t *testing.T) frame         { return c.Next(t) }
func (c *client) ended(t *testing.T) error        { return c.Ended(t) }

// send writes one Socket.IO text packet as an Engine.IO message.
func (c *client) send(t *testing.T, packet string) {
	t.Helper()
	require.NoError(t, c.write(websocket.TextMessage, "4"+packet))
}

func (c *client) sendBinary(t *testing.T, b string) {
	t.Helper()
	require.NoError(t, c.write(websocket.BinaryMessage, b))
}

// packet returns the next Socket.IO text packet (the Engine.IO `4` removed).
func (c *client) packet(t *testing.T) string {
	t.Helper()
	m := c.next(t)
	require.False(t, m.Binary, "got a binary frame, want a text packet")
	require.True(t, strings.HasPrefix(m.Data, "4"), "got Engine.IO packet %q, want a message", m.Data)
	return m.Data[1:]
}

// connect joins nsp with an auth payload ("" for none) and returns the sid.
func (c *client) connect(t *testing.T, nsp, auth string) string {
	t.Helper()
	c.send(t, "0"+nsp+","+auth)
	reply := c.packet(t)
	prefix := "0" + nsp + ","
	require.True(t, strings.HasPrefix(reply, prefix), "CONNECT reply %q", reply)
	var body struct {
		SID string `json:"sid"`
	}
	require.NoError(t, json.Unmarshal([]byte(reply[len(prefix):]), &body), "CONNECT reply %q", reply)
	require.NotEmpty(t, body.SID)
	return body.SID
}

// ackID hands out ack ids for barrier round trips.
var ackID atomic.Int64

// sync makes a round trip on nsp: everything the server queued for this
// client before it is received before its ack, so the packets returned are
// exactly what came in between (binary frames as "bin:<bytes>").
func (c *client) sync(t *testing.T, nsp string) []string {
	t.Helper()
	id := ackID.Add(1) + 1000
	c.send(t, fmt.Sprintf(`2%s,%d["echo","sync"]`, nsp, id))
	want := fmt.Sprintf(`43%s,%d["sync"]`, nsp, id)
	var before []string
	for {
		m := c.next(t)
		switch {
		case m.Binary:
			before = append(before, "bin:"+m.Data)
		case m.Data == want:
			return before
		default:
			before = append(before, strings.TrimPrefix(m.Data, "4"))
		}
	}
}

// disconnected waits for the Disconnected callback of sid and returns its
// reason.
func (ts *testServer) disconnected(t *testing.T, sid string) string {
	t.Helper()
	var reason any
	require.Eventually(t, func() bool {
		var ok bool
		reason, ok = ts.gone.Load(sid)
		return ok
	}, waitFor, time.Millisecond, "socket %s was not disconnected", sid)
	return reason.(string)
}
