package engineio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// The cases speak Engine.IO by hand rather than through internal/client:
// they must hold a GET while posting, send a second GET, read the bytes
// after a 101, see exactly which frame came when. Everything here returns
// errors instead of failing the case, so that it may run on the helper
// goroutines of a case (see eachTransport); must turns an error into the
// case's outcome on the case goroutine.

// failure is a check that did not hold: what PROTOCOL.md expects and what
// the target did.
type failure struct {
	expected, actual string
	cause            error // errNoAnswer, for a request that timed out
	stricter         bool  // against PROTOCOL.md's part beyond upstream: check.T.FailStricter
}

func (f *failure) Error() string { return f.expected + ": " + f.actual }

func (f *failure) Unwrap() error { return f.cause }

// errNoAnswer is a request the target held past its bound.
var errNoAnswer = errors.New("no answer")

func failf(expected, actualFormat string, args ...any) error {
	return &failure{expected: expected, actual: fmt.Sprintf(actualFormat, args...)}
}

// stricterf is failf for the part of a requirement that is stricter than the
// upstream spec (the case's Upstream): the case ends warn, not fail.
func stricterf(expected, actualFormat string, args ...any) error {
	return &failure{expected: expected, actual: fmt.Sprintf(actualFormat, args...), stricter: true}
}

// fail ends the case with f, as a warning when f is stricter than upstream.
func (f *failure) fail(t *check.T, suffix string) {
	if f.stricter {
		t.FailStricter(f.expected+suffix, f.actual)
	}
	t.Fail(f.expected+suffix, f.actual)
}

// skipError is a case that cannot run against this target, for a reason
// another case already judges (a missing field of the OPEN packet).
type skipError struct{ reason string }

func (e *skipError) Error() string { return e.reason }

// must ends the case when err is set; call it on the case goroutine only.
func must(t *check.T, err error) {
	var f *failure
	var s *skipError
	switch {
	case err == nil:
	case errors.As(err, &s):
		t.Skip(s.reason)
	case errors.As(err, &f):
		f.fail(t, "")
	default:
		t.Fail("the exchange to complete", err.Error())
	}
}

// The skip reasons, worded once.
const (
	noPolling   = "the target does not serve polling"
	noWebsocket = "the target does not serve websocket"
	noSession   = "the target serves neither polling nor websocket at its Socket.IO path (see EIO-1/path)"
	noEngine    = "the target's raw Engine.IO echo (ECHO-1) serves neither polling nor websocket"
	noUpgrade   = "the target does not offer the polling to websocket upgrade"
)

// late bounds how long after d a timer-driven event (a ping, a closure) may
// be seen: a quarter more, plus half a second for scheduling and network.
func late(d time.Duration) time.Duration { return d + d/4 + 500*time.Millisecond }

// timings returns a session's pingInterval and pingTimeout.
func timings(info engineio.OpenInfo) (pi, pt time.Duration) {
	return time.Duration(info.PingInterval) * time.Millisecond, time.Duration(info.PingTimeout) * time.Millisecond
}

// query builds "?k=v&…" in the order given, values escaped.
func query(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		b.WriteString(sep + kv[i] + "=" + url.QueryEscape(kv[i+1]))
	}
	return b.String()
}

// handshakeQuery is the query of a handshake on transport tr.
func handshakeQuery(tr string) string { return query("EIO", "4", "transport", tr) }

// clip shortens data for the exchange log.
func clip(b []byte) string {
	const max = 160
	if len(b) <= max {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%q… (%d bytes)", b[:max], len(b))
}

// wire is one case's access to the target: its own HTTP transport and
// websockets, numbered connections in the exchange log, and helper
// goroutines that all end when the case does.
type wire struct {
	t      *check.T
	ctx    context.Context
	cancel context.CancelFunc
	tr     *http.Transport
	hc     *http.Client
	conns  atomic.Int32
	wg     sync.WaitGroup

	mu     sync.Mutex
	closer []func()
}

func newWire(t *check.T) *wire {
	ctx, cancel := context.WithCancel(t.Context())
	w := &wire{t: t, ctx: ctx, cancel: cancel}
	w.tr = &http.Transport{DialContext: w.dial, MaxIdleConnsPerHost: 4, IdleConnTimeout: 10 * time.Second}
	w.hc = &http.Client{Transport: w.tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(w.close)
	return w
}

// dial opens TCP connections that close when the case ends, whatever is
// blocked on them.
func (w *wire) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(w.ctx, func() { c.Close() })
	w.onClose(func() { stop() })
	return c, nil
}

func (w *wire) onClose(fn func()) {
	w.mu.Lock()
	w.closer = append(w.closer, fn)
	w.mu.Unlock()
}

// close ends everything the case opened and waits for its goroutines.
func (w *wire) close() {
	w.cancel()
	w.mu.Lock()
	closers := w.closer
	w.closer = nil
	w.mu.Unlock()
	for _, fn := range closers {
		fn()
	}
	w.wg.Wait()
	w.tr.CloseIdleConnections()
}

// spawn runs fn on a helper goroutine that the case's end waits for. A
// panic there would kill the whole process, so it is caught.
func (w *wire) spawn(fn func()) {
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer func() {
			if p := recover(); p != nil {
				w.t.Logf("helper goroutine panicked: %v", p)
			}
		}()
		fn()
	}()
}

func (w *wire) nextConn() int { return int(w.conns.Add(1)) }

func (w *wire) logf(conn int, dir, format string, args ...any) {
	w.t.Logf("#%d %s %s", conn, dir, fmt.Sprintf(format, args...))
}

// over reports a wait cut short by the case's own end.
func (w *wire) over() error {
	return failf("the case to finish in time", "it was still waiting when its time ran out")
}

// reply is an HTTP answer.
type reply struct {
	status int
	body   []byte
	header http.Header
	at     time.Time
}

func (r reply) String() string { return fmt.Sprintf("HTTP %d %s", r.status, clip(r.body)) }

// maxBody bounds what a case reads of one HTTP answer.
const maxBody = 64 << 20

// request performs one HTTP request on connection number conn, bounded by
// within and by the case.
func (w *wire) request(conn int, method, pathQuery string, body []byte, header http.Header, within time.Duration) (reply, error) {
	return w.requestTraced(conn, method, pathQuery, body, header, within, nil)
}

// requestTraced is request with an httptrace hook (nil: none).
func (w *wire) requestTraced(conn int, method, pathQuery string, body []byte, header http.Header, within time.Duration,
	trace *httptrace.ClientTrace) (reply, error) {
	ctx, cancel := context.WithTimeout(w.ctx, within)
	defer cancel()
	if trace != nil {
		ctx = httptrace.WithClientTrace(ctx, trace)
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(w.t.Target.URL.String(), "/")+pathQuery, rd)
	if err != nil {
		return reply{}, failf("a valid request", "%v", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	if len(header) > 0 {
		w.logf(conn, ">", "%s %s %v %s", method, pathQuery, header, clip(body))
	} else {
		w.logf(conn, ">", "%s %s %s", method, pathQuery, clip(body))
	}
	resp, err := w.hc.Do(req)
	if err == nil {
		defer resp.Body.Close()
		var b []byte
		if b, err = io.ReadAll(io.LimitReader(resp.Body, maxBody)); err == nil {
			r := reply{status: resp.StatusCode, body: b, header: resp.Header, at: time.Now()}
			w.logf(conn, "<", "%s", r)
			return r, nil
		}
	}
	expected := "an HTTP answer to " + method + " " + pathQuery
	switch {
	case w.ctx.Err() != nil:
		return reply{}, w.over()
	case ctx.Err() != nil:
		w.logf(conn, "<", "no answer within %v", within)
		return reply{}, &failure{expected: expected, actual: fmt.Sprintf("no answer within %v", within), cause: errNoAnswer}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	w.logf(conn, "<", "%v", err)
	return reply{}, failf(expected, "%v", err)
}

// result is a reply that arrives later, from a request on a helper goroutine.
type result struct {
	reply
	err error
}

// requestAsync runs request on a helper goroutine.
func (w *wire) requestAsync(conn int, method, pathQuery string, body []byte, within time.Duration) <-chan result {
	ch := make(chan result, 1)
	w.spawn(func() {
		r, err := w.request(conn, method, pathQuery, body, nil, within)
		ch <- result{r, err}
	})
	return ch
}

// requestSent starts request on a helper goroutine and returns once the
// request has been written to its connection (or has failed): what the
// case sends next leaves after it, as from a client that sends two
// requests back to back in that order.
func (w *wire) requestSent(conn int, method, pathQuery string, body []byte, within time.Duration) <-chan result {
	ch := make(chan result, 1)
	wrote := make(chan struct{})
	var once sync.Once
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { once.Do(func() { close(wrote) }) }}
	w.spawn(func() {
		r, err := w.requestTraced(conn, method, pathQuery, body, nil, within, trace)
		once.Do(func() { close(wrote) })
		ch <- result{r, err}
	})
	<-wrote
	return ch
}

// await waits up to d for an async result; ok is false when it has not come.
func (w *wire) await(ch <-chan result, d time.Duration) (result, bool, error) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case r := <-ch:
		return r, true, nil
	case <-timer.C:
		return result{}, false, nil
	case <-w.ctx.Done():
		return result{}, false, w.over()
	}
}

// errorCode checks the body of an Engine.IO HTTP error: a JSON body with a
// code must carry want. Other bodies are accepted: PROTOCOL.md lets the
// check accept any body, python-engineio answers text, and Node refuses
// websocket requests with text/html.
func errorCode(r reply, want engineio.ErrorCode) error {
	var v struct {
		Code *int `json:"code"`
	}
	if jsonObject(r.body, &v) && v.Code != nil && *v.Code != int(want) {
		return failf(fmt.Sprintf("HTTP 400 with error code %d (%s)", want, want.Message()), "%s", r)
	}
	return nil
}

// refusedWith checks that r is the HTTP error want with error code code.
func refusedWith(r reply, want int, code engineio.ErrorCode, what string) error {
	if r.status != want {
		return failf(fmt.Sprintf("HTTP %d to %s", want, what), "%s", gotStatus(r.status, want, r.String()))
	}
	return errorCode(r, code)
}

// gotStatus says what a refusal got instead of want: a 5xx is named as the
// server error it is (EIO-3: no request is correctly answered 5xx).
func gotStatus(status, want int, answer string) string {
	if status >= 500 {
		return fmt.Sprintf("got HTTP %d, want %d: a server error (%s)", status, want, answer)
	}
	return fmt.Sprintf("got HTTP %d, want %d (%s)", status, want, answer)
}
