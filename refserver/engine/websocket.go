package engine

import (
	"errors"
	"io"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/stampede-sio/stampede/internal/deep"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/refserver/limit"
)

// closeWait bounds how long a graceful close waits for the client's close frame.
const closeWait = time.Second

// upgradeTimeout bounds the probe exchange of EIO-9, as Node's upgradeTimeout.
const upgradeTimeout = 10 * time.Second

// openWebsocket runs a session that starts on websocket (EIO-14 default).
func (s *Server) openWebsocket(w http.ResponseWriter, r *http.Request) {
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.stats.Failures[FailUpgrade].Add(1) // gorilla already answered 400
		return
	}
	sess := s.newSession(engineio.TransportWebsocket)
	if sess == nil {
		conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseGoingAway, "shutting down"), time.Now().Add(time.Second))
		conn.Close()
		return
	}
	s.stats.Connections.Add(1)
	conn.SetReadLimit(int64(s.payloadLimit())) // EIO-10: larger messages close with 1009
	sess.mu.Lock()
	sess.ws = conn
	sess.queue = append(sess.queue, PacketFrame(sess.openPacket()))
	sess.writing = true
	sess.mu.Unlock()
	sess.drain()
	sess.start()
	// The read loop runs in its own goroutine so that this handler returns
	// and net/http's per-request buffers are freed (PERFORMANCE.md).
	go sess.readLoop(conn)
}

// readLoop is the session's one reader. It ends the session when it ends.
//
// It parks in NextReader between messages, for the life of the session,
// and keeps its own frame small so that the parked goroutine fits the
// 2 KiB stack it starts with: the chain under NextReader down to the
// netpoller takes about 0.9 KiB, the runtime keeps a guard of 928 bytes,
// and a loop that held the message and its decoding in its own frame (264
// bytes) grew every session's stack to 4 KiB for good. The stack never
// shrinks back while the loop parks there (only below a quarter in use), so
// every path this goroutine takes must fit too, not just the parked one:
// readMessage reads the rest of a message in frames as small (a message
// read with io.ReadAll, 376 bytes of frame, grew the stack whenever its
// payload was not buffered yet: issue 16), and handleMessage decodes and
// hands it over beside the read path, not under it.
func (s *Session) readLoop(conn *websocket.Conn) {
	for {
		mt, r, err := conn.NextReader()
		if err == nil {
			err = s.readMessage(conn, mt, r)
		} else {
			err = s.readError(err)
		}
		if err != nil {
			s.setReason(err)
			break
		}
	}
	s.finalize()
	s.srv.stats.Connections.Add(-1)
}

// readMessage reads and handles the rest of one message; an error ends the
// session with it as the reason.
func (s *Session) readMessage(conn *websocket.Conn, mt int, r io.Reader) error {
	data, err := readAll(r)
	if err != nil {
		return s.readError(err)
	}
	return s.handleMessage(conn, mt, data)
}

// readAll is io.ReadAll in a frame a fifth of its size (see readLoop).
func readAll(r io.Reader) ([]byte, error) {
	b := make([]byte, 0, 512)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// handleMessage decodes one message and has it handled.
//
//go:noinline
func (s *Session) handleMessage(conn *websocket.Conn, mt int, data []byte) error {
	s.srv.stats.BytesIn.Add(uint64(len(data)))
	p := engineio.DecodeBinary(data)
	if mt == websocket.TextMessage {
		if !s.srv.cfg.AcceptInvalidUTF8 && !utf8.Valid(data) { // LIM-3, RFC 6455 §8.1
			s.srv.cfg.Limits.Hit(limit.UTF8, "websocket text frame is not UTF-8; closed with 1007", "sid", s.id)
			conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseInvalidFramePayloadData, "invalid UTF-8"), time.Now().Add(time.Second))
			return ErrInvalidUTF8
		}
		var err error
		if p, err = engineio.DecodeText(data); err != nil {
			conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseProtocolError, "parse error"), time.Now().Add(time.Second))
			return ErrParse // EIO-15
		}
	}
	err := handleDeep(s, p)
	if n := s.readLimit.Load(); n > 0 {
		conn.SetReadLimit(n)
	} else {
		conn.SetReadLimit(int64(s.srv.payloadLimit()))
	}
	return err
}

// A session's read loop parks between messages, for the life of the
// session, and the runtime never shrinks a stack whose quarter is in use:
// if the loop ran the handlers (Socket.IO, the application: JSON, JWT,
// rooms) it would keep the stack they grew, 8 KiB or more per idle
// session, and every new session would grow its own again (copystack was
// ~11% of the server's CPU in a connect storm). handleDeep runs
// handlePacket on a small shared pool of goroutines (package deep) and
// waits for it: packets are still handled one at a time and in order, and
// the read loop stays shallow.
type sessionPacket struct {
	s *Session
	p engineio.Packet
}

var deepRunner = deep.New(func(x sessionPacket) error { return x.s.handlePacket(x.p) })

func handleDeep(s *Session, p engineio.Packet) error { return deepRunner.Run(sessionPacket{s, p}) }

func (s *Session) readError(err error) error {
	var ce *websocket.CloseError
	switch {
	case errors.Is(err, websocket.ErrReadLimit) && s.readLimit.Load() > 0:
		return ErrReadBudget // LIM-1: the layer above counts it
	case errors.Is(err, websocket.ErrReadLimit):
		return ErrPayloadTooLarge
	case errors.As(err, &ce):
		return ErrTransportClose
	}
	return ErrTransportError
}

func (s *Session) setReason(err error) {
	s.mu.Lock()
	if s.reason == nil {
		s.reason = err
	}
	s.mu.Unlock()
}

// drain writes the queue until it is empty, a batch at a time, waiting on
// the socket as long as WriteTimeout allows. Only one drain or flush runs
// at a time (s.writing).
func (s *Session) drain() {
	for {
		b, ws := s.takeBatch(true)
		if b == nil {
			return
		}
		err := s.writeBlocking(ws.NetConn(), b.iov)
		s.srv.stats.BytesOut.Add(uint64(b.bytes))
		b.release()
		if err != nil {
			s.fail(ErrTransportError)
			return
		}
	}
}

// takeBatch frames what is queued; with nothing queued it ends the drain
// (idleLocked) and returns nil.
func (s *Session) takeBatch(mayWait bool) (*batch, *websocket.Conn) {
	s.mu.Lock()
	frames := s.queue
	s.queue = nil
	ws := s.ws
	if len(frames) == 0 {
		s.idleLocked(mayWait)
		return nil, nil
	}
	s.mu.Unlock()
	s.srv.stats.Batches.Add(1) // before the write: a client that has the bytes sees the count
	return s.frameBatch(frames), ws
}

// idleLocked ends a drain, called with s.mu held: no write is in flight
// any more. It unlocks s.mu and sends the close frame a Close left for the
// end of the queue; a pool writer (mayWait false) leaves that write, which
// may wait on the client, to a goroutine of its own.
func (s *Session) idleLocked(mayWait bool) {
	s.writing = false
	closing, ws := s.closing, s.ws
	s.mu.Unlock()
	switch {
	case !closing:
	case mayWait:
		s.sendCloseFrame(ws)
	default:
		go s.sendCloseFrame(ws)
	}
}

func (s *Session) sendCloseFrame(ws *websocket.Conn) {
	code := websocket.CloseNormalClosure
	s.mu.Lock()
	if s.reason == ErrServerShutdown {
		code = websocket.CloseGoingAway
	}
	s.mu.Unlock()
	deadline := time.Now().Add(closeWait)
	ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), deadline)
	ws.SetReadDeadline(deadline) // the read loop ends even if the client never answers
}

// upgrade accepts the websocket of a polling session and runs the probe
// exchange of EIO-9: `2probe` → `3probe`, then `5` switches transports.
func (s *Server) upgrade(w http.ResponseWriter, r *http.Request, sess *Session) {
	if !s.ws || !websocket.IsWebSocketUpgrade(r) {
		s.fail(w, FailBadRequest)
		return
	}
	// The upgrade begins before the 101 goes out: a polling request the
	// client sends once its websocket is open waits for it (awaitUpgrade).
	sess.mu.Lock()
	ok := !sess.closed && sess.ws == nil && !sess.upgrading
	if ok {
		sess.upgrading = true
		sess.probeEnd = make(chan struct{})
	}
	sess.mu.Unlock()
	conn, err := s.upgrader.Upgrade(w, r, nil)
	sess.mu.Lock()
	if ok && (err != nil || sess.closed) { // the session ended meanwhile: refused below
		ok = false
		sess.upgrading = false
		sess.endProbe()
	}
	if ok {
		sess.probing = conn
	}
	sess.mu.Unlock()
	if err != nil {
		s.stats.Failures[FailUpgrade].Add(1)
		return
	}
	if !ok && s.cfg.AllowSecondWebsocket {
		go sess.holdExtra(conn)
		return
	}
	if !ok { // EIO-15: a second websocket for the sid is closed
		s.stats.Failures[FailUpgrade].Add(1)
		conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "upgrade refused"), time.Now().Add(time.Second))
		conn.Close()
		return
	}
	s.stats.Connections.Add(1)
	conn.SetReadLimit(int64(s.payloadLimit()))
	go sess.probe(conn)
}

func (s *Session) probe(conn *websocket.Conn) {
	if !s.probeExchange(conn) {
		s.mu.Lock()
		s.upgrading = false
		s.probing = nil
		s.endProbe()
		s.mu.Unlock()
		s.srv.stats.Connections.Add(-1)
		conn.Close()
		return
	}
	conn.SetReadDeadline(time.Time{})
	s.readLoop(conn)
}

// probeExchange answers the probe and waits for the upgrade packet; on
// success the session's transport is the websocket.
func (s *Session) probeExchange(conn *websocket.Conn) bool {
	conn.SetReadDeadline(time.Now().Add(upgradeTimeout))
	for {
		mt, data, err := conn.ReadMessage()
		if err != nil || mt != websocket.TextMessage {
			return false
		}
		p, err := engineio.DecodeText(data)
		if err != nil {
			return false
		}
		switch {
		case p.Type == engineio.Ping && p.IsProbe():
			conn.SetWriteDeadline(time.Now().Add(s.srv.cfg.WriteTimeout))
			if conn.WriteMessage(websocket.TextMessage, []byte("3probe")) != nil {
				return false
			}
			s.probeAnswered()
		case p.Type == engineio.Upgrade:
			if s.srv.cfg.RacyUpgrade {
				time.Sleep(racyLag) // the fault: polling requests sent after `5` get in first
			}
			return s.switchTo(conn)
		default:
			return false
		}
	}
}

// switchTo makes conn the session's transport; what was queued for polling
// goes out over it, and a pending GET is answered with a noop.
func (s *Session) switchTo(conn *websocket.Conn) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	s.ws = conn
	s.transport = engineio.TransportWebsocket
	s.upgrading = false
	s.probing = nil
	s.endProbe()
	s.queue = dropNoops(s.queue)
	s.wakePoll()
	start := len(s.queue) > 0 && !s.writing
	if start {
		s.writing = true
	}
	s.mu.Unlock()
	s.srv.stats.SessionsPolling.Add(-1)
	s.srv.stats.SessionsWebsocket.Add(1)
	if start {
		s.drain()
	}
	return true
}

func dropNoops(q []Frame) []Frame {
	out := q[:0]
	for _, f := range q {
		if !f.Binary && len(f.Data) == 1 && f.Data[0] == noopFrame.Data[0] {
			continue
		}
		out = append(out, f)
	}
	return out
}

// holdExtra is the allow-second-websocket fault: the extra websocket is kept
// open, its messages ignored, until the client or the session ends it.
func (s *Session) holdExtra(conn *websocket.Conn) {
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-s.Done():
			conn.NetConn().Close()
		case <-stop:
		}
	}()
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			conn.Close()
			return
		}
	}
}
