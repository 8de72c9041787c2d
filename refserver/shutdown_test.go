package refserver

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stampede-sio/stampede/internal/test/leakcheck"
)

// TestMain fails the package when any test leaves a goroutine behind: after
// Shutdown no session, read loop or pending request may be left. It is the
// package's only TestMain (the interop and metrics tests share it).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, leakcheck.IgnoreParker)
}

// serve runs srv.Serve on a 127.0.0.1 listener; the channel gets Serve's
// result.
func serve(t *testing.T, srv *Server) (base string, served <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ch, done := make(chan error, 1), make(chan struct{})
	go func() {
		ch <- srv.Serve(ln)
		close(done)
	}()
	t.Cleanup(func() {
		select {
		case <-done: // the test shut it down
			return
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		srv.Shutdown(ctx)
		ln.Close()
		<-done
	})
	return "http://" + ln.Addr().String(), ch
}

// plainClient has its own transport, so idle connections end with the test.
func plainClient(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: echoWait}
}

// Shutdown closes websocket sessions with 1001 (app and raw echo), answers
// polling GETs with `1` (one pending, one that comes while Shutdown waits),
// and returns nil within its ctx; Serve then returns nil and new handshakes
// are refused.
func TestShutdownClosesSessions(t *testing.T) {
	t.Parallel()
	srv, err := New(Config{Lab: true, PingInterval: time.Minute, PingTimeout: time.Minute})
	require.NoError(t, err)
	base, served := serve(t, srv)
	hc := plainClient(t)

	app := dialEcho(t, base, "/socket.io/", false)
	app.connect(t, "/", "")
	raw := dialEcho(t, base, EnginePath+"/", false)

	pollURL := base + "/socket.io/?EIO=4&transport=polling"
	handshake := func() string {
		resp, err := hc.Get(pollURL)
		require.NoError(t, err)
		return pollURL + "&sid=" + parseOpenPacket(t, readBody(t, resp)).SID
	}
	poll := func(url string) <-chan string {
		ch := make(chan string, 1)
		go func() {
			resp, err := hc.Get(url)
			if err != nil {
				ch <- err.Error()
				return
			}
			ch <- readBody(t, resp)
		}()
		return ch
	}
	get := poll(handshake())
	idle := handshake() // polls only once Shutdown has begun
	require.Eventually(t, func() bool { return srv.SessionCount() == 3 }, echoWait, time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), echoWait)
	defer cancel()
	start := time.Now()
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(ctx) }()
	require.Eventually(t, func() bool {
		resp, err := hc.Get(base + "/healthz")
		return err == nil && readBody(t, resp) == `{"status":"draining"}`
	}, echoWait, time.Millisecond)
	select {
	case body := <-poll(idle):
		assert.Equal(t, "1", body, "a GET during Shutdown")
	case <-time.After(echoWait):
		t.Fatal("the GET during Shutdown was not answered")
	}
	select {
	case err := <-shut:
		require.NoError(t, err)
	case <-time.After(echoWait):
		t.Fatal("Shutdown did not return")
	}
	assert.Less(t, time.Since(start), echoWait)

	assert.Equal(t, websocket.CloseGoingAway, closeCode(app.ended(t)))
	assert.Equal(t, websocket.CloseGoingAway, closeCode(raw.ended(t)))
	select {
	case body := <-get:
		assert.Equal(t, "1", body)
	case <-time.After(echoWait):
		t.Fatal("the pending GET was not answered")
	}
	assert.Zero(t, srv.SessionCount())
	select {
	case err := <-served:
		assert.NoError(t, err)
	case <-time.After(echoWait):
		t.Fatal("Serve did not return")
	}
	_, err = hc.Get(pollURL)
	assert.Error(t, err, "a handshake after Shutdown must not get through")
}

func readBody(t *testing.T, resp *http.Response) string {
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	assert.NoError(t, err)
	return string(b)
}

// While Shutdown waits for a client that ignores the close frame, new
// handshakes on every transport are refused and /healthz says draining.
// Shutdown returns ctx.Err() once ctx expires and drops that client.
func TestShutdownRefusesHandshakes(t *testing.T) {
	t.Parallel()
	srv, hs := echoServer(t, Config{Lab: true})
	conn, resp, err := websocket.DefaultDialer.Dial("ws"+hs.URL[4:]+"/socket.io/?EIO=4&transport=websocket", nil)
	require.NoError(t, err)
	resp.Body.Close()
	defer conn.Close()
	_, msg, err := conn.ReadMessage() // OPEN: the session is registered
	require.NoError(t, err)
	parseOpenPacket(t, string(msg))
	// From here on the client never reads, so the close goes unanswered.

	const grace = 500 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- srv.Shutdown(ctx) }()

	require.Eventually(t, func() bool {
		code, _ := httpDo(t, hs, http.MethodGet, hs.URL+"/healthz", "")
		return code == http.StatusServiceUnavailable
	}, echoWait, time.Millisecond)
	for _, path := range []string{"/socket.io/", EnginePath + "/"} {
		code, _ := httpDo(t, hs, http.MethodGet, hs.URL+path+"?EIO=4&transport=polling", "")
		assert.Equal(t, http.StatusServiceUnavailable, code, path)
		_, resp, err := websocket.DefaultDialer.Dial("ws"+hs.URL[4:]+path+"?EIO=4&transport=websocket", nil)
		if assert.ErrorIs(t, err, websocket.ErrBadHandshake, path) {
			resp.Body.Close()
			assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, path)
		}
	}
	_, body := httpDo(t, hs, http.MethodGet, hs.URL+"/healthz", "")
	assert.Equal(t, `{"status":"draining"}`, body)

	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.GreaterOrEqual(t, time.Since(start), grace)
	case <-time.After(grace + echoWait):
		t.Fatal("Shutdown did not return after its ctx expired")
	}
	assert.Zero(t, srv.SessionCount())
}

// A client that never answers the close frame: Shutdown over Serve returns
// ctx.Err() soon after ctx expires and leaves nothing running (TestMain's
// leak check covers the goroutines).
func TestShutdownClientIgnoresClose(t *testing.T) {
	t.Parallel()
	srv, err := New(Config{})
	require.NoError(t, err)
	base, served := serve(t, srv)
	conn, resp, err := websocket.DefaultDialer.Dial("ws"+base[4:]+"/ws/socket.io/?EIO=4&transport=websocket", nil)
	require.NoError(t, err)
	resp.Body.Close()
	defer conn.Close()
	_, msg, err := conn.ReadMessage()
	require.NoError(t, err)
	parseOpenPacket(t, string(msg))

	const grace = 200 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	start := time.Now()
	err = srv.Shutdown(ctx)
	elapsed := time.Since(start)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.GreaterOrEqual(t, elapsed, grace)
	assert.Less(t, elapsed, grace+3*time.Second)
	assert.Zero(t, srv.SessionCount())
	select {
	case err := <-served:
		assert.NoError(t, err)
	case <-time.After(echoWait):
		t.Fatal("Serve did not return")
	}
}

// Shutdown before Serve (a signal right at start-up): Serve must return nil
// at once instead of serving forever.
func TestShutdownBeforeServe(t *testing.T) {
	t.Parallel()
	srv, err := New(Config{})
	require.NoError(t, err)
	require.NoError(t, srv.Shutdown(context.Background()))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		assert.NoError(t, err)
	case <-time.After(time.Second):
		ln.Close() // let Serve end so the test does not leak it
		<-served
		t.Fatal("Serve after Shutdown kept serving")
	}
}

// A connection that never sent a request does not hold Shutdown up:
// net/http would count it busy for 5 s; the refserver closes it once the
// sessions are gone (a connection pool's spare dial, seen holding the
// drain up under load).
func TestShutdownClosesUnusedConnections(t *testing.T) {
	t.Parallel()
	srv, err := New(Config{Lab: true})
	require.NoError(t, err)
	base, served := serve(t, srv)
	u, err := url.Parse(base)
	require.NoError(t, err)
	unused, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	defer unused.Close()
	resp, err := plainClient(t).Get(base + "/healthz") // the server has accepted before this answers
	require.NoError(t, err)
	readBody(t, resp)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second) // < net/http's 5 s
	defer cancel()
	require.NoError(t, srv.Shutdown(ctx), "Shutdown returned before its deadline")
	require.NoError(t, unused.SetReadDeadline(time.Now().Add(echoWait)))
	_, err = unused.Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF, "the unused connection was closed by the server")
	select {
	case err := <-served:
		assert.NoError(t, err)
	case <-time.After(echoWait):
		t.Fatal("Serve did not return")
	}
}
