package refserver

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver/limit"
)

// rawConn dials the test server's TCP address.
func rawConn(t *testing.T, base string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer reports whether the server closed c within d: a read
// ends with EOF or a reset, not with the client's own deadline.
func closedByServer(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// LIM-5: headers not complete within --read-header-timeout close the TCP
// connection, counted; with no-http-timeouts the connection stays.
func TestReadHeaderTimeout(t *testing.T) {
	t.Parallel()
	srv, hs := echoServer(t, Config{Lab: true, ReadHeaderTimeout: 200 * time.Millisecond})
	c := rawConn(t, hs.URL)
	_, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n") // never finished
	require.NoError(t, err)
	assert.True(t, closedByServer(c, echoWait), "slow headers are cut")
	require.Eventually(t, func() bool { return srv.Limits().Count(limit.HTTP) == 1 }, echoWait, 5*time.Millisecond)

	_, hs = echoServer(t, Config{Lab: true, ReadHeaderTimeout: 200 * time.Millisecond, Faults: Faults{Limits: LimitFaults{NoHTTPTimeouts: true}}})
	c = rawConn(t, hs.URL)
	io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n")
	assert.False(t, closedByServer(c, time.Second), "the fault: slow headers wait")
}

// LIM-5: an idle keep-alive connection is closed after --idle-timeout.
func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	srv, hs := echoServer(t, Config{Lab: true, IdleTimeout: 200 * time.Millisecond})
	c := rawConn(t, hs.URL)
	io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, closedByServer(c, echoWait), "the idle connection is closed")
	require.Eventually(t, func() bool { return srv.Limits().Count(limit.HTTP) == 1 }, echoWait, 5*time.Millisecond)
}

// LIM-5: a held polling GET is not idle: it outlives both timeouts and is
// answered when there is something to send.
func TestHeldPollIsNotIdle(t *testing.T) {
	t.Parallel()
	srv, hs := echoServer(t, Config{Lab: true, PingInterval: time.Minute, PingTimeout: time.Minute,
		ReadHeaderTimeout: 100 * time.Millisecond, IdleTimeout: 100 * time.Millisecond})
	code, body := httpDo(t, hs, "GET", hs.URL+"/socket.io/?EIO=4&transport=polling", "")
	require.Equal(t, http.StatusOK, code)
	url := hs.URL + "/socket.io/?EIO=4&transport=polling&sid=" + parseOpenPacket(t, body).SID
	held := make(chan string, 1)
	go func() {
		resp, err := http.Get(url)
		if err != nil {
			held <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		held <- string(b)
	}()
	time.Sleep(500 * time.Millisecond) // five idle timeouts
	code, _ = httpDo(t, hs, "POST", url, "40/echo,")
	require.Equal(t, http.StatusOK, code)
	select {
	case got := <-held:
		assert.Contains(t, got, "40/echo,{\"sid\"", "the held GET gets the CONNECT reply")
	case <-time.After(echoWait):
		t.Fatal("the held GET was not answered")
	}
	assert.Equal(t, 1, srv.SessionCount(), "the session is alive")
}

// LIM-5: headers over 1 MiB get 431.
func TestHeadersTooLarge(t *testing.T) {
	t.Parallel()
	_, hs := echoServer(t, Config{Lab: true})
	req, err := http.NewRequest("GET", hs.URL+"/healthz", nil)
	require.NoError(t, err)
	req.Header.Set("X-Big", strings.Repeat("a", maxHeaderBytes+4096))
	resp, err := hs.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
}

// flakyListener fails Accept with EMFILE while fail is positive, as a
// process out of file descriptors does.
type flakyListener struct {
	net.Listener
	fail atomic.Int32
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if l.fail.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// LIM-7: accept failures are counted and logged at warn at most once a
// second; a session open before them keeps working and accepting resumes.
func TestAcceptFailures(t *testing.T) {
	t.Parallel()
	var logs syncBuffer // written by the accept loop
	srv, err := New(Config{Lab: true, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	require.NoError(t, err)
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ln := &flakyListener{Listener: inner}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() { srv.Shutdown(t.Context()); <-served })
	base := "http://" + inner.Addr().String()

	ws := dialEcho(t, base, "/socket.io/", true)
	ws.connect(t, "/echo", "")
	ws.text(t)       // the auth event (ECHO-2)
	ln.fail.Store(3) // the next three accepts fail
	rawConn(t, base) // accepted; the server's next Accept calls fail
	resp, err := http.Get(base + "/healthz")
	require.NoError(t, err, "accepting resumed by itself")
	resp.Body.Close()
	assert.Equal(t, uint64(3), srv.Limits().Count(limit.Accept))
	ws.send(t, `42/echo,["message","still here"]`)
	assert.Equal(t, `42/echo,["message-back","still here"]`, ws.text(t))
	assert.Equal(t, 1, strings.Count(logs.String(), "limit LIM-7:"), "one warn line within the second: %s", logs.String())
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
