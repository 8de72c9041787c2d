package refserver

import (
	"errors"
	"net"
	"net/http"
	"os"
	"sync/atomic"
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
func (s *Server) ConfigureHTTP(hs *http.Server) {
	hs.MaxHeaderBytes = maxHeaderBytes
	if !s.cfg.Faults.Limits.NoHTTPTimeouts {
		hs.ReadHeaderTimeout, hs.IdleTimeout = s.cfg.ReadHeaderTimeout, s.cfg.IdleTimeout
	}
	prev := hs.ConnState
	hs.ConnState = func(c net.Conn, st http.ConnState) {
		if tc, ok := c.(*timedConn); ok && st == http.StateHijacked {
			tc.hijacked.Store(true) // a websocket: its deadlines are the engine's, not LIM-5's
		}
		if prev != nil {
			prev(c, st)
		}
	}
}

// WrapListener returns ln observed for LIM-5 and LIM-7: accept failures
// (running out of file descriptors) are counted and logged, and
// connections the HTTP server closes for a header or idle timeout are
// counted. net/http retries a failed accept with a backoff, so accepting
// resumes by itself when descriptors free up.
func (s *Server) WrapListener(ln net.Listener) net.Listener {
	return &limitListener{Listener: ln, limits: s.limits}
}

type limitListener struct {
	net.Listener
	limits *limit.Reporter
}

func (l *limitListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		if !errors.Is(err, net.ErrClosed) {
			l.limits.Hit(limit.Accept, "accept failed (out of file descriptors?); retrying, existing sessions go on",
				"addr", l.Addr().String(), "err", err)
		}
		return nil, err
	}
	return &timedConn{Conn: c, limits: l.limits}, nil
}

// timedConn tells the HTTP server's timeouts (LIM-5) from its other read
// deadlines: net/http sets a future read deadline while it waits for
// headers or for the next request, and one in the past to cancel its own
// background read. A read that fails on the first kind is LIM-5 closing
// the connection.
type timedConn struct {
	net.Conn
	limits   *limit.Reporter
	waiting  atomic.Bool // the read deadline is a timeout the server waits on
	hijacked atomic.Bool // taken over by a websocket
}

func (c *timedConn) SetReadDeadline(t time.Time) error {
	c.waiting.Store(!t.IsZero() && time.Until(t) > 0)
	return c.Conn.SetReadDeadline(t)
}

func (c *timedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) && !c.hijacked.Load() && c.waiting.Swap(false) {
		c.limits.Hit(limit.HTTP, "no request headers within the read-header or idle timeout; connection closed",
			"remote", c.RemoteAddr().String())
	}
	return n, err
}

// CloseWrite keeps net/http's graceful close of error responses (431).
func (c *timedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
