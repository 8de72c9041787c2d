package refserver

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/refserver/limit"
)

// maxHeaderBytes bounds a request's headers (LIM-5); larger ones get 431.
const maxHeaderBytes = 1 << 20

// ConfigureHTTP applies the HTTP limits of LIM-5 to hs, the server that
// serves this refserver (Serve does it to its own; a test server built with
// httptest.NewUnstartedServer needs it, with WrapListener): headers within
// ReadHeaderTimeout and at most 1 MiB, idle keep-alive connections closed
// after IdleTimeout. It sets no ReadTimeout or WriteTimeout: a held polling
// GET is not idle and may wait as long as pingInterval. It keeps any
// ConnState hook hs has.
//
// The closes are counted from the connections' states, not by wrapping
// their reads: a wrapper's Read would sit in every websocket's parked read
// loop for the life of the session, one frame too many for the 2 KiB stack
// that loop is kept to (measured: 1.3–1.6 KiB more per idle session).
func (s *Server) ConfigureHTTP(hs *http.Server) {
	hs.MaxHeaderBytes = maxHeaderBytes
	timed := !s.cfg.Faults.Limits.NoHTTPTimeouts
	if timed {
		hs.ReadHeaderTimeout, hs.IdleTimeout = s.cfg.ReadHeaderTimeout, s.cfg.IdleTimeout
	}
	waits := &httpWaits{limits: s.limits, header: s.cfg.ReadHeaderTimeout, idle: s.cfg.IdleTimeout}
	prevState, prevContext := hs.ConnState, hs.ConnContext
	hs.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if prevContext != nil {
			ctx = prevContext(ctx, c)
		}
		if !timed {
			return ctx
		}
		w := &httpWait{}
		waits.conns.Store(c, w)
		return context.WithValue(ctx, httpWaitKey{}, w)
	}
	hs.ConnState = func(c net.Conn, st http.ConnState) {
		if timed {
			waits.observe(c, st)
		}
		if prevState != nil {
			prevState(c, st)
		}
	}
}

// httpWaits tells, for each HTTP connection, whether it is waiting for a
// request (new, or idle between keep-alive requests, or with part of a
// header read) and since when. A connection that closes while waiting, at
// least as long after as the timeout of that wait, was closed by the
// timeout: a client that gave up itself would have had to outwait the
// server, which closes at the timeout.
type httpWaits struct {
	limits       *limit.Reporter
	header, idle time.Duration
	conns        sync.Map // net.Conn → *httpWait, until hijacked or closed
}

type httpWait struct {
	mu      sync.Mutex
	idle    bool      // waiting for a keep-alive connection's next request
	since   time.Time // when the wait began
	serving bool      // a request reached the handler since then
}

type httpWaitKey struct{}

// markServing records that a request on r's connection reached the
// handler: a close after it is not a header timeout.
func markServing(r *http.Request) {
	if w, ok := r.Context().Value(httpWaitKey{}).(*httpWait); ok {
		w.mu.Lock()
		w.serving = true
		w.mu.Unlock()
	}
}

func (w *httpWaits) observe(c net.Conn, st http.ConnState) {
	v, ok := w.conns.Load(c)
	if !ok {
		return
	}
	wait := v.(*httpWait)
	switch st {
	case http.StateNew, http.StateIdle:
		wait.mu.Lock()
		wait.idle, wait.since, wait.serving = st == http.StateIdle, time.Now(), false
		wait.mu.Unlock()
	case http.StateHijacked:
		w.conns.Delete(c)
	case http.StateClosed:
		w.conns.Delete(c)
		wait.mu.Lock()
		idle, since, serving := wait.idle, wait.since, wait.serving
		wait.mu.Unlock()
		timeout, what := w.header, "no request headers within the read-header timeout"
		if idle {
			timeout, what = w.idle, "idle keep-alive connection past the idle timeout"
		}
		if !serving && timeout > 0 && time.Since(since) >= timeout {
			w.limits.Hit(limit.HTTP, what+"; connection closed", "remote", c.RemoteAddr().String())
		}
	}
}

// WrapListener returns ln observed for LIM-7: accept failures (running out
// of file descriptors) are counted and logged. net/http retries a failed
// accept with a backoff, so accepting resumes by itself when descriptors
// free up. The connections themselves are not wrapped (see ConfigureHTTP).
func (s *Server) WrapListener(ln net.Listener) net.Listener {
	return &limitListener{Listener: ln, limits: s.limits}
}

type limitListener struct {
	net.Listener
	limits *limit.Reporter
}

func (l *limitListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		l.limits.Hit(limit.Accept, "accept failed (out of file descriptors?); retrying, existing sessions go on",
			"addr", l.Addr().String(), "err", err)
	}
	return c, err
}
