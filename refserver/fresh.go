package refserver

import (
	"net"
	"net/http"
	"sync"
)

// freshConns are the HTTP connections that have not sent a request yet.
// net/http's Shutdown counts such a connection as busy for its first 5 s,
// so a client that opened a connection and never used it (a connection
// pool's spare dial) would hold the drain up for 5 s for nothing. Once the
// sessions are gone (Shutdown), they are closed, and so is any that opens
// after: there is nothing left for a new connection to fetch.
type freshConns struct {
	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	closing bool
}

// observe is an http.Server ConnState hook.
func (f *freshConns) observe(c net.Conn, st http.ConnState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case st != http.StateNew:
		delete(f.conns, c)
	case f.closing:
		_ = c.Close()
	default:
		if f.conns == nil {
			f.conns = map[net.Conn]struct{}{}
		}
		f.conns[c] = struct{}{}
	}
}

// close closes every connection that has not sent a request, now and from
// now on.
func (f *freshConns) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closing = true
	for c := range f.conns {
		_ = c.Close()
	}
	f.conns = nil
}
