package socketio_test

// The mangler: a proxy in front of a refserver that rewrites the packets
// passing through it, both transports alike, so that each case can be
// shown to fail against a server that breaks exactly what it checks.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
	"github.com/stampede-sio/stampede/refserver"
)

// dir is the way a packet goes through the mangler.
type dir int

const (
	up   dir = iota // client → server
	down            // server → client
)

// msg is one Socket.IO packet and its attachments. raw holds the Engine.IO
// packets it came in, which go on unchanged; a hook that changes the
// message returns changed(m), and one that wants bytes of its own sets raw.
type msg struct {
	socketio.Message
	raw []engineio.Packet
}

func changed(m msg) msg { m.raw = nil; return m }

func rawMsg(p ...engineio.Packet) msg { return msg{raw: p} }

// closePacket is the Engine.IO close packet `1`.
var closePacket = engineio.Packet{Type: engineio.Close}

func (m msg) packets() []engineio.Packet {
	if m.raw != nil {
		return m.raw
	}
	p := m.Packet
	if p.Type.IsBinary() {
		p.Attachments = len(m.Attachments)
	}
	out := []engineio.Packet{{Type: engineio.Message, Data: socketio.Append(nil, p)}}
	for _, a := range m.Attachments {
		out = append(out, engineio.Packet{Type: engineio.Message, Binary: true, Data: a})
	}
	return out
}

// fault is one misbehaviour; nil hooks pass everything on.
type fault struct {
	// eng sees every Engine.IO packet first, on both paths.
	eng func(s *session, d dir, p engineio.Packet) []engineio.Packet
	// sio sees every whole Socket.IO message on the Socket.IO path.
	sio func(s *session, d dir, m msg) []msg
	// bad sees the client's packets that did not decode (SIO-6); by default
	// they go on to the server.
	bad func(s *session, raw []engineio.Packet) []engineio.Packet
}

// mangler is the proxy.
type mangler struct {
	f       fault
	backend *url.URL
	client  *http.Client
	dialer  *websocket.Dialer

	mu       sync.Mutex
	sessions map[string]*session
	conns    map[*websocket.Conn]bool
	wg       sync.WaitGroup
}

func newMangler(backend *url.URL, f fault) *mangler {
	return &mangler{f: f, backend: backend, client: &http.Client{Transport: &http.Transport{}},
		dialer: &websocket.Dialer{HandshakeTimeout: 5 * time.Second}, sessions: make(map[string]*session),
		conns: make(map[*websocket.Conn]bool)}
}

// Close ends every websocket relay and waits for them.
func (m *mangler) Close() {
	m.mu.Lock()
	for c := range m.conns {
		c.Close()
	}
	m.mu.Unlock()
	m.wg.Wait()
	m.client.CloseIdleConnections()
}

// session is one Engine.IO session seen through the mangler.
type session struct {
	m   *mangler
	sio bool // on the Socket.IO path, not the raw Engine.IO echo

	mu   sync.Mutex // serialises the hooks
	sid  string
	dec  [2]socketio.Decoder
	held [2][]engineio.Packet
	vars map[string]any // the fault's own state

	omu     sync.Mutex
	pending []engineio.Packet // polling: injected, for the next GET
	closing bool              // polling: answer the next GET with `1`
	aborted bool              // polling: refuse every request from now on
	send    func([]engineio.Packet)
	abort   func()
}

func (m *mangler) newSession(path string) *session {
	return &session{m: m, sio: !strings.HasPrefix(path, "/engine.io"), vars: make(map[string]any)}
}

func (m *mangler) lookup(sid string) *session {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sessions[sid]
}

// each calls fn on every Socket.IO session but s.
func (m *mangler) each(s *session, fn func(*session)) {
	m.mu.Lock()
	var all []*session
	for _, x := range m.sessions {
		if x != s && x.sio {
			all = append(all, x)
		}
	}
	m.mu.Unlock()
	for _, x := range all {
		fn(x)
	}
}

// inject sends packets to the client of s: at once on websocket, with the
// next GET on polling.
func (s *session) inject(pkts []engineio.Packet) {
	s.omu.Lock()
	send := s.send
	if send == nil {
		s.pending = append(s.pending, pkts...)
	}
	s.omu.Unlock()
	if send != nil {
		send(pkts)
	}
}

// closeClient sends the client a close packet.
func (s *session) closeClient() {
	s.omu.Lock()
	s.closing = s.send == nil
	send := s.send
	s.omu.Unlock()
	if send != nil {
		send([]engineio.Packet{closePacket})
	}
}

// drop cuts the connection without a word, as a crash would.
func (s *session) drop() {
	s.omu.Lock()
	s.aborted = true
	abort := s.abort
	s.omu.Unlock()
	if abort != nil {
		abort()
	}
}

// process runs the hooks over packets going d.
func (s *session) process(d dir, in []engineio.Packet) []engineio.Packet {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []engineio.Packet
	for _, p := range in {
		if d == down && p.Type == engineio.Open && s.sid == "" {
			if info, err := engineio.ParseOpen(p); err == nil {
				s.sid = info.SID
				s.m.mu.Lock()
				s.m.sessions[s.sid] = s
				s.m.mu.Unlock()
			}
		}
		q := []engineio.Packet{p}
		if s.m.f.eng != nil {
			q = s.m.f.eng(s, d, p)
		}
		for _, p := range q {
			if p.Type != engineio.Message || !s.sio {
				out = append(out, p)
				continue
			}
			out = append(out, s.message(d, p)...)
		}
	}
	return out
}

// message feeds one message packet to the Socket.IO decoder of direction d
// and runs the sio hook over each whole message.
func (s *session) message(d dir, p engineio.Packet) []engineio.Packet {
	p.Data = bytes.Clone(p.Data)
	dec := &s.dec[d]
	s.held[d] = append(s.held[d], p)
	var (
		m   socketio.Message
		ok  bool
		err error
	)
	if p.Binary {
		m, ok, err = dec.DecodeBinary(p.Data)
	} else {
		m, ok, err = dec.DecodeText(p.Data)
	}
	raw := s.held[d]
	switch {
	case err != nil:
		s.held[d] = nil
		dec.Reset()
		if d == up && s.m.f.bad != nil {
			return s.m.f.bad(s, raw)
		}
		return raw
	case !ok:
		return nil
	}
	s.held[d] = nil
	if s.m.f.sio == nil {
		return raw
	}
	var out []engineio.Packet
	for _, x := range s.m.f.sio(s, d, msg{Message: m, raw: raw}) {
		out = append(out, x.packets()...)
	}
	return out
}

// ServeHTTP proxies one request.
func (m *mangler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if websocket.IsWebSocketUpgrade(r) {
		m.websocket(w, r)
		return
	}
	m.polling(w, r)
}

func (m *mangler) polling(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	sid := r.URL.Query().Get("sid")
	s := m.lookup(sid)
	if sid == "" && r.Method == http.MethodGet {
		s = m.newSession(r.URL.Path)
	}
	if s != nil && s.isAborted() {
		http.Error(w, `{"code":1,"message":"Session ID unknown"}`, http.StatusBadRequest)
		return
	}
	if r.Method == http.MethodPost && s != nil {
		if pkts, err := engineio.DecodePayload(body); err == nil {
			out := s.process(up, pkts)
			if len(out) == 0 {
				w.Write([]byte("ok"))
				return
			}
			body = engineio.AppendPayload(nil, out)
		}
	}
	for {
		if r.Method == http.MethodGet && s != nil && s.takeClosing() {
			w.Write(engineio.AppendPayload(nil, []engineio.Packet{closePacket}))
			return
		}
		resp, rbody, err := m.forward(r, body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		if r.Method == http.MethodGet && resp.StatusCode == http.StatusOK && s != nil {
			if pkts, err := engineio.DecodePayload(rbody); err == nil {
				out := s.flush(s.process(down, pkts))
				if s.isAborted() {
					http.Error(w, `{"code":1,"message":"Session ID unknown"}`, http.StatusBadRequest)
					return
				}
				if len(out) == 0 && sid != "" {
					continue // everything was held or dropped: poll again
				}
				rbody = engineio.AppendPayload(nil, out)
			}
		}
		for k, v := range resp.Header {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(rbody)
		return
	}
}

// flush puts the injected packets before out.
func (s *session) flush(out []engineio.Packet) []engineio.Packet {
	s.omu.Lock()
	defer s.omu.Unlock()
	if s.closing {
		s.closing = false
		return []engineio.Packet{closePacket}
	}
	out = append(s.pending, out...)
	s.pending = nil
	return out
}

func (s *session) takeClosing() bool {
	s.omu.Lock()
	defer s.omu.Unlock()
	c := s.closing
	s.closing = false
	return c
}

func (s *session) isAborted() bool {
	s.omu.Lock()
	defer s.omu.Unlock()
	return s.aborted
}

func (m *mangler) forward(r *http.Request, body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, m.backend.String()+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header = r.Header.Clone()
	req.Header.Del("Content-Length")
	resp, err := m.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	rbody, err := io.ReadAll(resp.Body)
	return resp, rbody, err
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (m *mangler) websocket(w http.ResponseWriter, r *http.Request) {
	target := "ws" + strings.TrimPrefix(m.backend.String(), "http") + r.URL.RequestURI()
	back, resp, err := m.dialer.DialContext(r.Context(), target, nil)
	if err != nil {
		status, body := http.StatusBadGateway, []byte(err.Error())
		if resp != nil {
			status = resp.StatusCode
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		w.WriteHeader(status)
		w.Write(body)
		return
	}
	resp.Body.Close()
	front, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		back.Close()
		return
	}
	s := m.lookup(r.URL.Query().Get("sid"))
	if s == nil {
		s = m.newSession(r.URL.Path)
	}
	var fmu, bmu sync.Mutex
	s.omu.Lock()
	s.send = func(p []engineio.Packet) { writePackets(front, &fmu, p) }
	s.abort = func() { front.Close(); back.Close() }
	pending := s.pending
	s.pending = nil
	s.omu.Unlock()
	writePackets(front, &fmu, pending)

	m.mu.Lock()
	m.conns[front], m.conns[back] = true, true
	m.wg.Add(2)
	m.mu.Unlock()
	go m.relay(s, up, front, back, &bmu)
	go m.relay(s, down, back, front, &fmu)
}

// relay copies frames from one side to the other through the hooks; when
// either side ends, both do.
func (m *mangler) relay(s *session, d dir, from, to *websocket.Conn, mu *sync.Mutex) {
	defer m.wg.Done()
	defer func() {
		from.Close()
		to.Close()
		m.mu.Lock()
		delete(m.conns, from)
		delete(m.conns, to)
		m.mu.Unlock()
	}()
	for {
		typ, data, err := from.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				mu.Lock()
				to.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(ce.Code, ce.Text), time.Now().Add(time.Second))
				mu.Unlock()
			}
			return
		}
		p := engineio.DecodeBinary(data)
		if typ == websocket.TextMessage {
			if p, err = engineio.DecodeText(data); err != nil {
				mu.Lock()
				err = to.WriteMessage(typ, data) // garbage goes on as garbage
				mu.Unlock()
				if err != nil {
					return
				}
				continue
			}
		}
		if writePackets(to, mu, s.process(d, []engineio.Packet{p})) != nil {
			return
		}
	}
}

func writePackets(c *websocket.Conn, mu *sync.Mutex, pkts []engineio.Packet) error {
	mu.Lock()
	defer mu.Unlock()
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	for _, p := range pkts {
		var err error
		if p.Binary {
			err = c.WriteMessage(websocket.BinaryMessage, p.Data)
		} else {
			err = c.WriteMessage(websocket.TextMessage, engineio.AppendText(nil, p))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// mangled serves a refserver with cfg behind a mangler with fault f until
// the test ends, and returns the mangler's base URL.
func mangled(t *testing.T, cfg refserver.Config, f fault) *url.URL {
	t.Helper()
	srv, err := refserver.New(cfg)
	require.NoError(t, err)
	backend := httptest.NewServer(srv)
	bu, err := url.Parse(backend.URL)
	require.NoError(t, err)
	m := newMangler(bu, f)
	front := httptest.NewServer(m)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		srv.Shutdown(ctx) // answers held GETs, closes websockets
		m.Close()
		front.Close()
		backend.Close()
	})
	u, err := url.Parse(front.URL)
	require.NoError(t, err)
	return u
}
