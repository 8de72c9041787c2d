package engine

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitState waits until cond holds for the session's locked state; it is how
// the tests know a request has reached the server without sleeping.
func waitState(t *testing.T, s *Session, cond func(*Session) bool) {
	t.Helper()
	require.Eventually(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return cond(s)
	}, waitFor, time.Millisecond)
}

func getActive(s *Session) bool { return s.getActive }

// EIO-7, EIO-8: a GET is held until there is something to send, then carries
// every queued packet joined by \x1e; a POST carries packets the same way and
// is answered 200 "ok".
func TestPollingGetAndPost(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Transports: pollingOnly})
	p := openPolling(t, ts, nil)
	sess := ts.session(t)

	get := p.getAsync()
	waitState(t, sess, getActive)
	pending(t, get, 50*time.Millisecond)
	sess.Send(MessageFrame([]byte("a")), MessageFrame([]byte("b")), Frame{Binary: true, Data: []byte{1, 2, 3}})
	r := await(t, get)
	assert.Equal(t, http.StatusOK, r.code)
	assert.Equal(t, "4a\x1e4b\x1ebAQID", r.body)
	assert.Equal(t, "text/plain; charset=UTF-8", r.header.Get("Content-Type"))

	code, body := p.post(t, "4x\x1e4y\x1e6")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ok", body)
	assert.Equal(t, "4x\x1e4y", p.get(t).body, "echo of both messages; the noop is not a message")
}

// EIO-8: a second concurrent GET gets 400; the session closes and the
// pending GET gets `1`.
func TestPollingConcurrentGet(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Transports: pollingOnly})
	p := openPolling(t, ts, nil)
	sess := ts.session(t)

	first := p.getAsync()
	waitState(t, sess, getActive)
	second := p.get(t)
	assert.Equal(t, http.StatusBadRequest, second.code)
	r := await(t, first)
	assert.Equal(t, http.StatusOK, r.code)
	assert.Equal(t, "1", r.body)
	assert.ErrorIs(t, ts.closeReason(t).reason, ErrPollOverlap)
	assert.Equal(t, `{"code":1,"message":"Session ID unknown"}`, p.get(t).body)
}

// EIO-8: overlapping POSTs are refused and close the session, as Node does.
func TestPollingConcurrentPost(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Transports: pollingOnly})
	p := openPolling(t, ts, nil)
	sess := ts.session(t)

	body, feed := io.Pipe()
	first := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, p.url(), body)
		resp, err := ts.http.Client().Do(req)
		if err != nil {
			first <- -1
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	feed.Write([]byte("4par")) // the server is now reading the first body
	waitState(t, sess, func(s *Session) bool { return s.postBusy })
	code, _ := p.post(t, "4second")
	assert.Equal(t, http.StatusBadRequest, code)
	feed.Write([]byte("tial"))
	feed.Close()
	select {
	case <-first:
	case <-time.After(waitFor):
		t.Fatal("first POST not answered")
	}
	assert.Equal(t, "1", p.get(t).body, "the next GET carries the close")
	assert.ErrorIs(t, ts.closeReason(t).reason, ErrPollOverlap)
}

// EIO-8: a POST `1` closes the session and the pending GET gets `6`.
func TestPollingClientClose(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Transports: pollingOnly})
	p := openPolling(t, ts, nil)
	sess := ts.session(t)

	get := p.getAsync()
	waitState(t, sess, getActive)
	code, body := p.post(t, "1")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ok", body)
	r := await(t, get)
	assert.Equal(t, http.StatusOK, r.code)
	assert.Equal(t, "6", r.body)
	assert.ErrorIs(t, ts.closeReason(t).reason, ErrClientClose)
	assert.Equal(t, http.StatusBadRequest, p.get(t).code)
	assert.Zero(t, ts.SessionCount())
}

// EIO-8, EIO-15: an unparsable POST gets 400 and closes the session.
func TestPollingParseError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, body string }{
		{"empty body", ""},
		{"unknown packet type", "9"},
		{"not a digit", "x"},
		{"empty record", "4a\x1e"},
		{"bad base64", "b!!!"},
		{"bad record after a good one", "4a\x1e7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, Config{Transports: pollingOnly})
			p := openPolling(t, ts, nil)
			sess := ts.session(t)
			get := p.getAsync()
			waitState(t, sess, getActive)

			code, _ := p.post(t, tc.body)
			assert.Equal(t, http.StatusBadRequest, code)
			assert.ErrorIs(t, ts.closeReason(t).reason, ErrParse)
			assert.Equal(t, "1", await(t, get).body)
			assert.Equal(t, http.StatusBadRequest, p.get(t).code)
		})
	}
}

// EIO-10: a POST body over maxPayload gets 413 and the session stays;
// exactly maxPayload is accepted.
func TestPollingMaxPayload(t *testing.T) {
	t.Parallel()
	const max = 100
	ts := newTestServer(t, Config{Transports: pollingOnly, MaxPayload: max})
	p := openPolling(t, ts, nil)
	assert.Equal(t, max, p.info.MaxPayload)

	exact := "4" + strings.Repeat("x", max-1)
	code, body := p.post(t, exact)
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, exact, p.get(t).body)

	code, _ = p.post(t, exact+"y")
	assert.Equal(t, http.StatusRequestEntityTooLarge, code)

	code, body = p.post(t, "4still")
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, "4still", p.get(t).body)
	assert.Empty(t, ts.closed)
}

// EIO-11: binary on polling travels as `b<base64>`, both ways.
func TestPollingBinary(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Transports: pollingOnly})
	p := openPolling(t, ts, nil)
	sess := ts.session(t)

	code, _ := p.post(t, "bAQID\x1e4text\x1eb/wA=")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "bAQID\x1e4text\x1eb/wA=", p.get(t).body, "echo keeps binary binary")

	sess.Send(Frame{Binary: true, Data: []byte{0xde, 0xad, 0xbe, 0xef}})
	assert.Equal(t, "b3q2+7w==", p.get(t).body)
}

// A client that does not fetch what is queued for it is closed once MaxQueue
// frames wait, instead of growing the queue without bound.
func TestSlowConsumerClosed(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Transports: pollingOnly, MaxQueue: 3})
	openPolling(t, ts, nil)
	sess := ts.session(t)
	sess.Send(MessageFrame([]byte("1")), MessageFrame([]byte("2")), MessageFrame([]byte("3")))
	assert.Empty(t, ts.closed)
	sess.Send(MessageFrame([]byte("4")))
	assert.ErrorIs(t, ts.closeReason(t).reason, ErrSlowConsumer)
	ts.drained(t)
}
