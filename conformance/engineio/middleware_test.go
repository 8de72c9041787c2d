package engineio_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// Middleware that makes the refserver misbehave in ways seen from the
// outside, for showing that cases fail (fail_test.go). Each names what it
// breaks; faults deep inside the engine (timers, the upgrade) are refserver
// faults instead.

type middleware func(http.Handler) http.Handler

// under reports whether r is for the Socket.IO path or the raw echo.
func under(r *http.Request, prefix string) bool { return strings.HasPrefix(r.URL.Path, prefix) }

func isEngine(r *http.Request) bool { return under(r, "/ws/socket.io") || under(r, "/engine.io") }

// capture buffers a response so that it can be rewritten; a hijacked
// connection (a websocket) passes through untouched.
type capture struct {
	w        http.ResponseWriter
	status   int
	body     bytes.Buffer
	hijacked bool
}

func (c *capture) Header() http.Header { return c.w.Header() }

func (c *capture) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}

func (c *capture) Write(b []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	return c.body.Write(b)
}

func (c *capture) Flush() {}

func (c *capture) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c.hijacked = true
	return http.NewResponseController(c.w).Hijack()
}

// rewrite lets fn change the status and body of every Engine.IO answer.
func rewrite(fn func(r *http.Request, status int, body []byte) (int, []byte)) middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !isEngine(r) {
				next.ServeHTTP(w, r)
				return
			}
			c := &capture{w: w}
			next.ServeHTTP(c, r)
			if c.hijacked {
				return
			}
			if c.status == 0 {
				c.status = http.StatusOK
			}
			status, body := fn(r, c.status, c.body.Bytes())
			w.Header().Del("Content-Length")
			w.WriteHeader(status)
			w.Write(body)
		})
	}
}

// statusAs answers `to` wherever the server answered `from`.
func statusAs(from, to int) middleware {
	return rewrite(func(_ *http.Request, status int, body []byte) (int, []byte) {
		if status == from {
			status = to
		}
		return status, body
	})
}

// onRequest lets fn answer a request itself (true) or change it before the
// server sees it.
func onRequest(fn func(w http.ResponseWriter, r *http.Request) bool) middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if isEngine(r) && fn(w, r) {
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// setQuery changes one query parameter of r.
func setQuery(r *http.Request, key, value string) {
	q := r.URL.Query()
	q.Set(key, value)
	r.URL.RawQuery = q.Encode()
}

func isSid(r *http.Request) bool { return r.URL.Query().Get("sid") != "" }

func isPollingGet(r *http.Request) bool {
	return r.Method == http.MethodGet && isSid(r) && r.URL.Query().Get("transport") == "polling"
}

// getBodies rewrites the answers to polling GETs of open sessions.
func getBodies(fn func([]byte) []byte) middleware {
	return rewrite(func(r *http.Request, status int, body []byte) (int, []byte) {
		if isPollingGet(r) && status == http.StatusOK {
			body = fn(body)
		}
		return status, body
	})
}

// openPackets rewrites the OPEN packet of polling handshakes.
func openPackets(fn func(open map[string]any)) middleware {
	return rewrite(func(r *http.Request, status int, body []byte) (int, []byte) {
		if isSid(r) || status != http.StatusOK || !bytes.HasPrefix(body, []byte("0{")) {
			return status, body
		}
		var open map[string]any
		if json.Unmarshal(body[1:], &open) != nil {
			return status, body
		}
		fn(open)
		b, _ := json.Marshal(open)
		return status, append([]byte("0"), b...)
	})
}

// postPackets rewrites the packets of POST bodies before the server reads
// them; a POST left empty is answered `ok` without reaching the server.
func postPackets(fn func(pkts []string) []string) middleware {
	return onRequest(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost || !isSid(r) {
			return false
		}
		b, _ := io.ReadAll(r.Body)
		pkts := fn(strings.Split(string(b), "\x1e"))
		if len(pkts) == 0 {
			w.Write([]byte("ok"))
			return true
		}
		body := strings.Join(pkts, "\x1e")
		r.Body = io.NopCloser(strings.NewReader(body))
		r.ContentLength = int64(len(body))
		return false
	})
}

// dropPackets removes the packets drop says so of from POST bodies.
func dropPackets(drop func(pkt string) bool) middleware {
	return postPackets(func(pkts []string) []string {
		var out []string
		for _, p := range pkts {
			if !drop(p) {
				out = append(out, p)
			}
		}
		return out
	})
}

// unparsable reports whether pkt is not an Engine.IO packet.
func unparsable(pkt string) bool {
	_, err := engineio.DecodeText([]byte(pkt))
	return err != nil
}
