package check

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// Status is a case's outcome.
type Status uint8

// The outcomes. Warn is a failure against a requirement PROTOCOL.md makes
// stricter than the upstream spec (FailStricter).
const (
	Pass Status = iota
	Fail
	Skip
	Warn
)

func (s Status) String() string { return [...]string{"pass", "fail", "skip", "warn"}[s] }

// Exchange is one packet or HTTP exchange seen during a case.
type Exchange struct {
	At   time.Duration // since the case started
	Conn int           // which connection of the case, from 1
	Dir  string        // ">" sent by the suite, "<" received
	Data string
}

func (e Exchange) String() string {
	return fmt.Sprintf("%8s #%d %s %s", e.At.Round(time.Millisecond), e.Conn, e.Dir, e.Data)
}

// maxLogged bounds the packet log of one case; a flood is cut, not stored.
const maxLogged = 200

// T is a running case's handle. Fail, Skip and the Dial helpers that fail
// must be called from the case's own goroutine (they end it, as
// testing.T.FailNow does).
type T struct {
	Target *Target
	ctx    context.Context
	start  time.Time

	mu       sync.Mutex
	log      []Exchange
	dropped  int
	conns    int
	status   Status
	reason   string
	expected string
	actual   string
	cleanups []func()
}

// NewT returns the handle of one case run; the runner calls it.
func NewT(ctx context.Context, target *Target) *T {
	return &T{Target: target, ctx: ctx, start: time.Now()}
}

// Context is canceled when the case times out.
func (t *T) Context() context.Context { return t.ctx }

// Fail ends the case as failed with what PROTOCOL.md expects and what the
// target did.
func (t *T) Fail(expected, actual string) {
	t.mu.Lock()
	if t.status == Pass {
		t.status, t.expected, t.actual = Fail, expected, actual
	}
	t.mu.Unlock()
	runtime.Goexit()
}

// FailStricter is Fail for the part of the case's requirement that is
// PROTOCOL.md's own, stricter than the upstream spec (the Case's Upstream
// says what upstream asks): the case ends Warn, which decides the exit code
// only under --strict. Any other failure of the case stays a failure.
func (t *T) FailStricter(expected, actual string) {
	t.mu.Lock()
	if t.status == Pass {
		t.status, t.expected, t.actual = Warn, expected, actual
	}
	t.mu.Unlock()
	runtime.Goexit()
}

// Failf is Fail with a formatted actual.
func (t *T) Failf(expected, actualFormat string, args ...any) {
	t.Fail(expected, fmt.Sprintf(actualFormat, args...))
}

// Check fails the case unless ok.
func (t *T) Check(ok bool, expected, actual string) {
	if !ok {
		t.Fail(expected, actual)
	}
}

// Equal fails the case unless got == want, quoting both.
func (t *T) Equal(want, got string, what string) {
	if got != want {
		t.Fail(fmt.Sprintf("%s %q", what, want), fmt.Sprintf("%s %q", what, got))
	}
}

// Skip ends the case as skipped: the target lacks what it needs. A skip is
// never a pass.
func (t *T) Skip(reason string) {
	t.mu.Lock()
	if t.status == Pass {
		t.status, t.reason = Skip, reason
	}
	t.mu.Unlock()
	runtime.Goexit()
}

// Logf adds a note to the case's exchange log.
func (t *T) Logf(format string, args ...any) { t.record(0, "#", fmt.Sprintf(format, args...)) }

// Cleanup registers fn to run when the case ends, last first.
func (t *T) Cleanup(fn func()) {
	t.mu.Lock()
	t.cleanups = append(t.cleanups, fn)
	t.mu.Unlock()
}

func (t *T) record(conn int, dir, data string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.log) >= maxLogged {
		t.dropped++
		return
	}
	if len(data) > 300 {
		data = data[:300] + fmt.Sprintf("… (%d bytes)", len(data))
	}
	t.log = append(t.log, Exchange{At: time.Since(t.start), Conn: conn, Dir: dir, Data: data})
}

// Finish runs the cleanups and returns the outcome; the runner calls it
// after the case's goroutine ended. A case that ended without finishing
// (timeout) is failed with reason.
func (t *T) Finish(timedOut bool) (Status, string, string, string, []Exchange) {
	t.mu.Lock()
	cleanups := t.cleanups
	t.cleanups = nil
	if timedOut && t.status == Pass {
		t.status, t.expected, t.actual = Fail, "the case to finish", "it was still waiting when its time ran out"
	}
	t.mu.Unlock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	log := append([]Exchange(nil), t.log...)
	if t.dropped > 0 {
		log = append(log, Exchange{Dir: "#", Data: fmt.Sprintf("%d more not logged", t.dropped)})
	}
	return t.status, t.reason, t.expected, t.actual, log
}

// Options returns client options aimed at the Socket.IO path of the target,
// recording every packet of the connection in the case's log.
func (t *T) Options(transports client.Transports) *client.Options {
	return t.optionsFor(t.Target.Path, transports)
}

// EngineOptions is Options for the raw Engine.IO echo endpoint.
func (t *T) EngineOptions(transports client.Transports) *client.Options {
	return t.optionsFor(t.Target.EnginePath, transports)
}

func (t *T) optionsFor(path string, transports client.Transports) *client.Options {
	t.mu.Lock()
	t.conns++
	n := t.conns
	t.mu.Unlock()
	return &client.Options{
		Path:       path,
		Transports: transports,
		TLSConfig:  t.Target.TLS,
		OnRaw: func(dir client.Direction, p engineio.Packet) {
			d := "<"
			if dir == client.Sent {
				d = ">"
			}
			t.record(n, d, string(engineio.AppendText(nil, p)))
		},
	}
}

// Dial opens a connection, failing the case when it cannot; it is closed
// when the case ends.
func (t *T) Dial(opts *client.Options) *client.Conn {
	c, err := t.DialErr(opts)
	if err != nil {
		t.Failf("a session to open", "dial failed: %v", err)
	}
	return c
}

// DialErr opens a connection and returns the error, for cases that expect
// the handshake to be refused.
func (t *T) DialErr(opts *client.Options) (*client.Conn, error) {
	return t.DialAt(t.Target.URL, opts)
}

// DialAt is DialErr against another base URL: the peer instance of a
// deployment (SCALE).
func (t *T) DialAt(base *url.URL, opts *client.Options) (*client.Conn, error) {
	ctx, cancel := context.WithTimeout(t.ctx, Wait)
	defer cancel()
	c, err := client.Dial(ctx, base.String(), opts)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { c.Close() })
	return c, nil
}

// HTTP performs one raw request against the target (path and query
// relative to its URL) and returns the status and at most 64 KiB of body.
func (t *T) HTTP(method, pathQuery string, body string, header http.Header) (int, string, http.Header) {
	ctx, cancel := context.WithTimeout(t.ctx, Wait)
	defer cancel()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(t.Target.URL.String(), "/")+pathQuery, rd)
	if err != nil {
		t.Failf("a valid request", "%v", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	t.record(0, ">", method+" "+pathQuery+" "+body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Failf("an HTTP answer", "%v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	t.record(0, "<", fmt.Sprintf("%d %s", resp.StatusCode, b))
	return resp.StatusCode, string(b), resp.Header
}
