package webui_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/protocol/socketio"
	"github.com/stampede-sio/stampede/internal/token"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// ctlWait bounds every wait: a hang fails the test instead of timing out.
const ctlWait = 5 * time.Second

var ctlSecret = []byte("k")

// ctlEnv is a refserver on httptest with 10 users (u000001 admin), 3
// channels (c0001 everyone, c0002 the odd users, c0003 the even ones) and
// 5 notes.
type ctlEnv struct {
	srv  *refserver.Server
	base string
	hc   *http.Client
}

func newCtlEnv(t *testing.T, cfg refserver.Config) *ctlEnv {
	t.Helper()
	cfg.Secret = ctlSecret
	if cfg.Population == nil {
		cfg.Population = webui.Generate(webui.Sizes{Users: 10, Channels: 3, Notes: 5})
	}
	srv, err := refserver.New(cfg)
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	tr := &http.Transport{}
	t.Cleanup(func() {
		srv.App().StopStreams()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
		tr.CloseIdleConnections()
	})
	return &ctlEnv{srv: srv, base: hs.URL, hc: &http.Client{Transport: tr, Timeout: ctlWait}}
}

// token mints a token for user i (webui.UserID(i)) or a named user.
func ctlToken(t *testing.T, user any) string {
	t.Helper()
	id, ok := user.(string)
	if !ok {
		id = webui.UserID(user.(int))
	}
	tok, err := token.Mint(ctlSecret, id, time.Hour, time.Now())
	require.NoError(t, err)
	return tok
}

// ctlReply is an HTTP answer.
type ctlReply struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into v.
func (r ctlReply) json(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.body, v), "body %s", r.body)
}

// detail is the {"detail"} of an error answer.
func (r ctlReply) detail(t *testing.T) string {
	t.Helper()
	var e struct {
		Detail string `json:"detail"`
	}
	r.json(t, &e)
	return e.Detail
}

// do sends a request; body is nil (none), a string (sent as is) or a value
// (sent as JSON).
func (e *ctlEnv) do(t *testing.T, method, path, token string, body any) ctlReply {
	t.Helper()
	r, err := e.try(method, path, token, body)
	require.NoError(t, err)
	return r
}

// try is do for other goroutines than the test's.
func (e *ctlEnv) try(method, path, token string, body any) (ctlReply, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return ctlReply{}, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		return ctlReply{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		return ctlReply{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return ctlReply{status: resp.StatusCode, header: resp.Header, body: data}, err
}

// admin sends a request with u000001's token.
func (e *ctlEnv) admin(t *testing.T, method, path string, body any) ctlReply {
	t.Helper()
	return e.do(t, method, path, ctlToken(t, 1), body)
}

// ctlConn is a raw Socket.IO client over one websocket: a read loop that
// answers pings and queues every Socket.IO packet; writes from the test.
type ctlConn struct {
	ws    *websocket.Conn
	token string
	sid   string
	in    chan socketio.Packet
	quit  chan struct{}
	done  chan struct{}
	err   error
	wmu   sync.Mutex
	ids   atomic.Int64
}

// dial opens a websocket session at the app path and reads its OPEN packet.
func (e *ctlEnv) dial(t *testing.T) *ctlConn {
	t.Helper()
	url := "ws" + strings.TrimPrefix(e.base, "http") + "/ws/socket.io/?EIO=4&transport=websocket"
	ws, resp, err := websocket.DefaultDialer.Dial(url, nil)
	require.NoError(t, err)
	resp.Body.Close()
	_, open, err := ws.ReadMessage()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(open), "0{"), "OPEN packet %q", open)
	c := &ctlConn{ws: ws, in: make(chan socketio.Packet, 4096), quit: make(chan struct{}), done: make(chan struct{})}
	go c.readLoop()
	t.Cleanup(func() {
		close(c.quit)
		ws.Close()
		<-c.done
	})
	return c
}

// connect dials and connects as user (an index or an id) with a fresh
// token.
func (e *ctlEnv) connect(t *testing.T, user any) *ctlConn {
	t.Helper()
	c := e.dial(t)
	c.connect(t, ctlToken(t, user))
	return c
}

func (c *ctlConn) readLoop() {
	defer close(c.done)
	for {
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			c.err = err
			return
		}
		switch {
		case mt != websocket.TextMessage:
		case string(data) == "2":
			c.write("3")
		case len(data) > 0 && data[0] == '4':
			p, err := socketio.Decode(data[1:])
			if err != nil {
				c.err = err
				return
			}
			select {
			case c.in <- p:
			case <-c.quit:
				return
			}
		}
	}
}

func (c *ctlConn) write(s string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(ctlWait))
	return c.ws.WriteMessage(websocket.TextMessage, []byte(s))
}

// send writes a Socket.IO packet.
func (c *ctlConn) send(t *testing.T, p socketio.Packet) {
	t.Helper()
	require.NoError(t, c.write("4"+string(socketio.Encode(p))))
}

// emit sends an event; with ack it carries an ack id, which is returned.
func (c *ctlConn) emit(t *testing.T, ack bool, event string, args ...any) int64 {
	t.Helper()
	data, err := socketio.MarshalEvent(event, args...)
	require.NoError(t, err)
	id := int64(socketio.NoID)
	if ack {
		id = c.ids.Add(1)
	}
	c.send(t, socketio.Packet{Type: socketio.Event, Namespace: "/", ID: id, Data: data})
	return id
}

// next returns the next Socket.IO packet.
func (c *ctlConn) next(t *testing.T) socketio.Packet {
	t.Helper()
	select {
	case p := <-c.in:
		return p
	case <-time.After(ctlWait):
		t.Fatalf("no packet from the server (connection error: %v)", c.err)
	}
	return socketio.Packet{}
}

// connect sends CONNECT with the token and returns the sid. It then waits
// for user-join's ack: the server joins the user room after the CONNECT
// reply, and user-join joins the channel rooms.
func (c *ctlConn) connect(t *testing.T, token string) string {
	t.Helper()
	c.token = token
	c.send(t, socketio.Packet{Type: socketio.Connect, Namespace: "/", ID: socketio.NoID,
		Data: json.RawMessage(fmt.Sprintf(`{"token":%q}`, token))})
	p := c.next(t)
	require.Equal(t, socketio.Connect, p.Type, "CONNECT reply %s %s", p.Type, p.Data)
	var body struct {
		SID string `json:"sid"`
	}
	require.NoError(t, json.Unmarshal(p.Data, &body))
	c.sid = body.SID
	c.sync(t)
	return body.SID
}

// refused sends CONNECT with the token and returns the CONNECT_ERROR data.
func (c *ctlConn) refused(t *testing.T, token string) string {
	t.Helper()
	c.send(t, socketio.Packet{Type: socketio.Connect, Namespace: "/", ID: socketio.NoID,
		Data: json.RawMessage(fmt.Sprintf(`{"token":%q}`, token))})
	p := c.next(t)
	require.Equal(t, socketio.ConnectError, p.Type, "CONNECT reply %s %s", p.Type, p.Data)
	return string(p.Data)
}

// sync is a barrier: user-join with an ack. Everything the server queued
// for this socket before is received before the ack; the packets in between
// are returned.
func (c *ctlConn) sync(t *testing.T) []socketio.Packet {
	t.Helper()
	id := c.emit(t, true, "user-join", map[string]any{"auth": map[string]string{"token": c.token}})
	var before []socketio.Packet
	for {
		p := c.next(t)
		if p.Type == socketio.Ack && p.ID == id {
			return before
		}
		before = append(before, p)
	}
}

// event waits for the next event called name, skipping other packets, and
// returns its packet and first argument.
func (c *ctlConn) event(t *testing.T, name string) (socketio.Packet, json.RawMessage) {
	t.Helper()
	for {
		p := c.next(t)
		if p.Type != socketio.Event {
			continue
		}
		ev, args, err := socketio.SplitEvent(p.Data)
		require.NoError(t, err)
		if ev != name {
			continue
		}
		list, err := socketio.Args(args)
		require.NoError(t, err)
		require.NotEmpty(t, list, "event %s without arguments", name)
		return p, list[0]
	}
}

// disconnected waits for the server's DISCONNECT `41`, skipping events.
func (c *ctlConn) disconnected(t *testing.T) {
	t.Helper()
	for {
		p := c.next(t)
		if p.Type == socketio.Disconnect {
			require.Equal(t, "/", p.Namespace)
			return
		}
		require.Equal(t, socketio.Event, p.Type, "got %s %s while waiting for DISCONNECT", p.Type, p.Data)
	}
}

// closed waits for the connection to end and returns the packets that
// came meanwhile and the read error.
func (c *ctlConn) closed(t *testing.T) ([]socketio.Packet, error) {
	t.Helper()
	var seen []socketio.Packet
	timeout := time.After(ctlWait)
	for {
		select {
		case p := <-c.in:
			seen = append(seen, p)
		case <-c.done:
			for len(c.in) > 0 {
				seen = append(seen, <-c.in)
			}
			return seen, c.err
		case <-timeout:
			t.Fatal("the server did not close the connection")
			return nil, nil
		}
	}
}

// names lists the event names (or packet types) of packets, for messages.
func ctlNames(ps []socketio.Packet) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		if name, err := socketio.EventName(p.Data); p.Type == socketio.Event && err == nil {
			out = append(out, name)
		} else {
			out = append(out, p.Type.String())
		}
	}
	return out
}
