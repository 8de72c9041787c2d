package engine

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/internal/test/wstest"
)

// waitFor bounds every wait of these tests: long enough never to fire on a
// loaded CI machine, short enough that a hang fails instead of timing out.
const waitFor = 5 * time.Second

// testServer is an engine.Server on httptest with an echo handler that
// records sessions and their close reasons.
type testServer struct {
	*Server
	http   *httptest.Server
	opened chan *Session
	closed chan closeEvent
}

type closeEvent struct {
	sid    string
	reason error
}

// echoHandler sends every message back, as ECHO-1's raw echo does.
type echoHandler struct{ ts *testServer }

// OnMessage echoes p, except that "batch" and "batch-close" answer "one"
// and "two" from inside Session.Batch, the second closing the session too.
func (h echoHandler) OnMessage(s *Session, p engineio.Packet) {
	switch string(p.Data) {
	case "batch", "batch-close":
		s.Batch(func() {
			s.Reply(MessageFrame([]byte("one")))
			s.Send(MessageFrame([]byte("two")))
			if string(p.Data) == "batch-close" {
				s.Close(ErrServerClose)
			}
		})
	default:
		s.Reply(PacketFrame(p))
	}
}

func (h echoHandler) OnClose(s *Session, reason error) {
	select {
	case h.ts.closed <- closeEvent{s.ID(), reason}:
	default: // nobody is watching; never block finalize
	}
}

// newTestServer starts a Server for cfg; cleanup shuts it down and waits for
// every session to end.
func newTestServer(t *testing.T, cfg Config) *testServer {
	t.Helper()
	ts := &testServer{opened: make(chan *Session, 64), closed: make(chan closeEvent, 64)}
	cfg.OnOpen = func(s *Session) Handler {
		select {
		case ts.opened <- s:
		default:
		}
		return echoHandler{ts}
	}
	ts.Server = New(cfg)
	ts.http = httptest.NewServer(ts.Server)
	t.Cleanup(func() {
		// Short: sessions a test left open are dropped; only leaks matter here.
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		ts.Shutdown(ctx)
		ts.http.Close()
	})
	return ts
}

// url is the Engine.IO URL with query q (EIO=4 is not added).
func (ts *testServer) url(scheme, q string) string {
	u, _ := url.Parse(ts.http.URL)
	u.Scheme = scheme
	u.Path = "/engine.io/"
	u.RawQuery = q
	return u.String()
}

// session returns the next session the server opened.
func (ts *testServer) session(t *testing.T) *Session {
	t.Helper()
	select {
	case s := <-ts.opened:
		return s
	case <-time.After(waitFor):
		t.Fatal("no session opened")
		return nil
	}
}

// closeReason waits for a session to end and returns its OnClose reason.
func (ts *testServer) closeReason(t *testing.T) closeEvent {
	t.Helper()
	select {
	case ev := <-ts.closed:
		return ev
	case <-time.After(waitFor):
		t.Fatal("no session closed")
		return closeEvent{}
	}
}

// drained waits until the server has forgotten every session (OnClose runs
// just before a session is removed).
func (ts *testServer) drained(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool { return ts.SessionCount() == 0 }, waitFor, time.Millisecond)
}

// do sends a plain HTTP request and returns status, body and header.
func (ts *testServer) do(t *testing.T, method, rawURL, body string, h http.Header) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := ts.http.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), resp.Header
}

// wsMsg is one websocket message from the server.
type wsMsg = wstest.Frame

// wsClient is a raw Engine.IO websocket client (internal/test/wstest): one read
// loop that forwards every message (answering pings when autoPong is set),
// writes from the test.
type wsClient struct{ *wstest.Client }

// dialWS opens a websocket to rawURL and starts its read loop.
func dialWS(t *testing.T, rawURL string, h http.Header, autoPong bool) *wsClient {
	t.Helper()
	return &wsClient{wstest.Dial(t, rawURL, h, autoPong, waitFor)}
}

func (c *wsClient) close()                          { c.Close() }
func (c *wsClient) write(mt int, data string) error { return c.Write(mt, data) }
func (c *wsClient) next(t *testing.T) wsMsg         { return c.Next(t) }
func (c *wsClient) ended(t *testing.T) error        { return c.Ended(t) }

func (c *wsClient) send(t *testing.T, data string) {
	t.Helper()
	require.NoError(t, c.write(websocket.TextMessage, data))
}

// nextText returns the next message, which must be text.
func (c *wsClient) nextText(t *testing.T) string {
	t.Helper()
	m := c.next(t)
	require.False(t, m.Binary, "got a binary frame, want text")
	return m.Data
}

// open reads the OPEN packet.
func (c *wsClient) open(t *testing.T) engineio.OpenInfo {
	t.Helper()
	return parseOpen(t, c.nextText(t))
}

func closeCode(err error) int { return wstest.CloseCode(err) }

func parseOpen(t *testing.T, s string) engineio.OpenInfo { return wstest.ParseOpen(t, s) }

// pollClient is a raw Engine.IO long-polling client for one session.
type pollClient struct {
	ts   *testServer
	sid  string
	info engineio.OpenInfo
}

// openPolling performs a polling handshake.
func openPolling(t *testing.T, ts *testServer, h http.Header) *pollClient {
	t.Helper()
	code, body, _ := ts.do(t, http.MethodGet, ts.url("http", "EIO=4&transport=polling"), "", h)
	require.Equal(t, http.StatusOK, code, "handshake: %s", body)
	info := parseOpen(t, body)
	return &pollClient{ts: ts, sid: info.SID, info: info}
}

func (p *pollClient) url() string {
	return p.ts.url("http", "EIO=4&transport=polling&sid="+p.sid)
}

type pollResult struct {
	code   int
	body   string
	header http.Header
}

// try sends one polling request without failing the test, for goroutines
// other than the test's.
func (p *pollClient) try(method, body string) (pollResult, error) {
	req, err := http.NewRequest(method, p.url(), strings.NewReader(body))
	if err != nil {
		return pollResult{}, err
	}
	resp, err := p.ts.http.Client().Do(req)
	if err != nil {
		return pollResult{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return pollResult{resp.StatusCode, string(b), resp.Header}, err
}

// tryOK reports whether a request was answered 200 with anything but a close.
func (p *pollClient) tryOK(method, body string) bool {
	r, err := p.try(method, body)
	return err == nil && r.code == http.StatusOK && r.body != "1"
}

func (p *pollClient) get(t *testing.T) pollResult {
	t.Helper()
	r, err := p.try(http.MethodGet, "")
	require.NoError(t, err)
	return r
}

// getAsync starts a GET; the result arrives on the channel.
func (p *pollClient) getAsync() <-chan pollResult {
	ch := make(chan pollResult, 1)
	go func() {
		r, err := p.try(http.MethodGet, "")
		if err != nil {
			r = pollResult{code: -1, body: err.Error()}
		}
		ch <- r
	}()
	return ch
}

func (p *pollClient) post(t *testing.T, body string) (int, string) {
	t.Helper()
	r, err := p.try(http.MethodPost, body)
	require.NoError(t, err)
	return r.code, r.body
}

// await returns a pending GET's result.
func await(t *testing.T, ch <-chan pollResult) pollResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(waitFor):
		t.Fatal("the pending GET was not answered")
		return pollResult{}
	}
}

// pending asserts that a GET is still held for d.
func pending(t *testing.T, ch <-chan pollResult, d time.Duration) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("GET returned %d %q, want it held", r.code, r.body)
	case <-time.After(d):
	}
}
