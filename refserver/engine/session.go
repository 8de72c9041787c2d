package engine

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/refserver/limit"
)

// Frame is one Engine.IO frame ready for the wire. A text frame holds the
// whole text packet (type digit included, e.g. `42["ev"]`); a binary frame
// holds raw attachment bytes. Frames are immutable once queued, so one frame
// may be queued to many sessions (a broadcast encodes once).
type Frame struct {
	Binary bool
	Data   []byte
	wire   []byte // the websocket frame, header and Data, when built once (Framed)
}

// PacketFrame returns the frame of an Engine.IO packet.
func PacketFrame(p engineio.Packet) Frame {
	if p.Binary {
		return Frame{Binary: true, Data: p.Data}
	}
	return Frame{Data: engineio.AppendText(nil, p)}
}

// MessageFrame returns the text frame of a message packet carrying payload
// (a Socket.IO packet): "4" + payload.
func MessageFrame(payload []byte) Frame {
	b := make([]byte, 0, len(payload)+1)
	b = append(b, '0'+byte(engineio.Message))
	return Frame{Data: append(b, payload...)}
}

var (
	pingFrame  = PacketFrame(engineio.Packet{Type: engineio.Ping})
	closeFrame = PacketFrame(engineio.Packet{Type: engineio.Close})
	noopFrame  = PacketFrame(engineio.Packet{Type: engineio.Noop})
)

// Session is one Engine.IO connection, on whichever transport it is now.
//
// Tens of thousands of idle sessions are the common case: fields that only
// polling, an upgrade or a waiting caller need cost little or nothing until
// used (issue 16).
type Session struct {
	srv     *Server
	id      string
	handler Handler
	once    sync.Once
	hmu     sync.Mutex // serialises handler calls (polling POSTs vs close)

	mu        sync.Mutex
	transport string
	ws        *websocket.Conn // nil while polling
	queue     []Frame
	reason    error
	done      chan struct{}   // made by Done or by the end; closed at the end
	probing   *websocket.Conn // the upgrade probe's websocket until it switches or fails
	probeEnd  chan struct{}   // while upgrading: closed when the upgrade completes or fails (order.go)
	pollWake  chan struct{}
	nextAt    time.Duration // the next ping, or the outstanding ping's timeout (server clock); 0: no pings
	pingAt    time.Duration // when the outstanding ping was due (server clock)
	timerAt   time.Duration // when the ping timer fires (srv.timers)
	timerIdx  int32         // in srv.timers' heap; -1: not armed
	writing   bool          // a drain is in flight (websocket)
	holding   bool          // in Batch: frames wait for its end (websocket)
	closed    bool          // no more frames accepted
	closing   bool          // a close frame goes out after the queue (websocket)
	ended     bool          // finalized: done is closed, or made closed
	upgrading bool
	dropped   bool // Drop: a held GET is aborted, not answered
	probed    bool // `3probe` has gone out
	getActive bool
	postBusy  bool
	pongDue   bool
	readLimit atomic.Int64 // set by LimitNextMessage: the next websocket message's limit; 0: payloadLimit
}

func newSession(srv *Server, id, transport string) *Session {
	s := &Session{srv: srv, id: id, transport: transport, timerIdx: -1}
	if transport == engineio.TransportPolling {
		s.pollWake = make(chan struct{}, 1)
	}
	if srv.cfg.OnOpen != nil {
		s.handler = srv.cfg.OnOpen(s)
	}
	if s.handler == nil {
		s.handler = nopHandler{}
	}
	return s
}

type nopHandler struct{}

func (nopHandler) OnMessage(*Session, engineio.Packet) {}
func (nopHandler) OnClose(*Session, error)             {}

// ID is the Engine.IO session id.
func (s *Session) ID() string { return s.id }

// Transport is the current transport name.
func (s *Session) Transport() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transport
}

// Done is closed when the session has ended and OnClose has returned.
func (s *Session) Done() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil { // made on demand: few sessions are ever waited for
		s.done = make(chan struct{})
		if s.ended {
			close(s.done)
		}
	}
	return s.done
}

func (s *Session) openPacket() engineio.Packet {
	cfg := s.srv.cfg
	info := engineio.OpenInfo{
		SID:          s.id,
		Upgrades:     []string{},
		PingInterval: int(cfg.PingInterval / time.Millisecond),
		PingTimeout:  int(cfg.PingTimeout / time.Millisecond),
		MaxPayload:   cfg.MaxPayload,
	}
	if s.transport == engineio.TransportPolling && s.srv.ws {
		info.Upgrades = []string{engineio.TransportWebsocket} // EIO-9
	}
	return engineio.OpenPacket(info)
}

// start arms the ping timer: the first ping goes out pingInterval after the
// open (EIO-6).
func (s *Session) start() {
	if s.srv.cfg.NoPing {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextAt = s.srv.clock() + s.srv.cfg.PingInterval
	s.srv.timers.set(s, s.nextAt)
}

// onTimer sends a ping, or closes the session when the last ping went
// unanswered for pingTimeout (EIO-5), whatever else the client sent.
func (s *Session) onTimer() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	now := s.srv.clock()
	if now < s.nextAt { // a pong moved the deadline while we fired
		s.srv.timers.set(s, s.nextAt)
		s.mu.Unlock()
		return
	}
	if s.pongDue {
		if s.srv.cfg.LazyPongTimer && s.ws == nil && len(s.queue) > 0 {
			// The fault: the ping still waits for a GET, so the timeout waits too.
			s.nextAt = now + s.srv.cfg.PingTimeout
			s.srv.timers.set(s, s.nextAt)
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		s.fail(ErrPingTimeout)
		return
	}
	s.pongDue = true
	s.pingAt = s.nextAt
	timeout := s.srv.cfg.PingTimeout
	if s.srv.cfg.RacyPingTimeout {
		timeout += racyTimerLag
	}
	s.nextAt = now + timeout
	s.srv.timers.set(s, s.nextAt)
	s.mu.Unlock()
	s.Send(pingFrame)
}

func (s *Session) onPong() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.pongDue || s.closed {
		return
	}
	s.pongDue = false
	s.nextAt = s.srv.clock() + s.srv.cfg.PingInterval
	s.srv.timers.set(s, s.nextAt)
}

// Send queues frames without blocking; they are written in order. Frames
// sent after the session closed are dropped.
func (s *Session) Send(frames ...Frame) { s.enqueue(frames, false) }

// Reply queues frames and, on websocket, may write them on the calling
// goroutine. Call it only from Handler.OnMessage of this session.
func (s *Session) Reply(frames ...Frame) { s.enqueue(frames, true) }

func (s *Session) enqueue(frames []Frame, inline bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if len(s.queue)+len(frames) > s.srv.cfg.MaxQueue && !s.srv.cfg.NoQueueLimit {
		transport := s.transport
		s.mu.Unlock()
		s.srv.cfg.Limits.Hit(limit.Queue, "outgoing queue passed max-queue; closed as a slow consumer",
			"sid", s.id, "transport", transport, "max_queue", s.srv.cfg.MaxQueue)
		s.fail(ErrSlowConsumer)
		return
	}
	s.queue = append(s.queue, frames...)
	s.srv.stats.PacketsOut.Add(uint64(len(frames)))
	if s.ws == nil {
		s.wakePoll()
		s.mu.Unlock()
		return
	}
	if s.writing || s.holding {
		s.mu.Unlock()
		return
	}
	s.writing = true
	s.mu.Unlock()
	if inline {
		s.drain()
	} else {
		s.srv.writers.schedule(s) // issue 16: no goroutine per idle → busy
	}
}

// Batch runs f, which must not block, with the session's outgoing frames
// held back, and on websocket writes what f queued in one write when it
// returns: a CONNECT's answer and what the namespace sends on connection go
// out together, one writev instead of one per packet (issue 16: a third of
// a handshake's writes). Call it only from Handler.OnMessage of this
// session.
func (s *Session) Batch(f func()) {
	s.mu.Lock()
	s.holding = true
	s.mu.Unlock()
	f()
	s.mu.Lock()
	s.holding = false
	if s.ws == nil || s.writing || (len(s.queue) == 0 && !s.closing) {
		s.mu.Unlock()
		return
	}
	s.writing = true
	s.mu.Unlock()
	s.drain() // the close frame too, if f closed the session
}

// Close ends the session gracefully with reason: queued frames are flushed,
// then a close frame (websocket) or packet `1` (polling) is sent.
func (s *Session) Close(reason error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.reason = reason
	if s.ws == nil {
		s.queue = append(s.queue, closeFrame)
		s.wakePoll()
		s.mu.Unlock()
		// A client that never polls again is dropped after pingTimeout.
		time.AfterFunc(s.srv.cfg.PingTimeout, s.finalize)
		return
	}
	s.closing = true
	busy := s.writing || s.holding // a drain, or Batch's end, sends the close frame after the queue
	ws := s.ws
	s.mu.Unlock()
	if !busy {
		s.sendCloseFrame(ws)
	}
}

// fail tears the session down at once: no close handshake.
func (s *Session) fail(reason error) {
	s.mu.Lock()
	if s.reason == nil {
		s.reason = reason
	}
	s.closed = true
	ws := s.ws
	s.wakePoll()
	s.mu.Unlock()
	if ws != nil && reason == ErrSlowConsumer {
		// LIM-6: say why, if the client still reads at all; the write may
		// wait up to closeWait behind a stuck one, so not on the caller.
		go func() {
			ws.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "slow consumer"), time.Now().Add(closeWait))
			ws.NetConn().Close()
		}()
		return
	}
	if ws != nil {
		ws.NetConn().Close() // the read loop ends and finalizes
		return
	}
	go s.finalize()
}

// finalize runs once: the handler's OnClose, then the session is forgotten.
func (s *Session) finalize() {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		reason := s.reason
		if reason == nil {
			reason = ErrTransportClose
		}
		s.srv.timers.stop(s)
		ws, transport, probing := s.ws, s.transport, s.probing
		s.probing = nil
		s.endProbe()
		s.queue = nil
		s.wakePoll()
		s.mu.Unlock()
		if ws != nil {
			ws.NetConn().Close()
		}
		if probing != nil { // its goroutine ends now, not at upgradeTimeout
			probing.NetConn().Close()
		}
		s.srv.transportGauge(transport).Add(-1)
		s.hmu.Lock()
		s.handler.OnClose(s, reason)
		s.hmu.Unlock()
		s.srv.remove(s)
		s.mu.Lock()
		s.ended = true
		if s.done != nil {
			close(s.done)
		}
		s.mu.Unlock()
	})
}

// LimitNextMessage caps the size of the next websocket message (and those
// after it, until called again) at n bytes, below MaxPayload; n < 0 puts
// MaxPayload back. A larger message closes the session with 1009 and
// ErrReadBudget. Call it only from Handler.OnMessage of this session; on
// polling it does nothing (a POST body is bounded by MaxPayload).
func (s *Session) LimitNextMessage(n int) {
	switch {
	case n < 0 || n >= s.srv.payloadLimit():
		s.readLimit.Store(0)
	case n == 0:
		s.readLimit.Store(1) // the websocket library reads 0 as no limit; the layer above refuses the byte
	default:
		s.readLimit.Store(int64(n))
	}
}

// handlePacket acts on one packet from the client, on either transport, and
// returns a non-nil reason when the session must end.
func (s *Session) handlePacket(p engineio.Packet) error {
	s.srv.stats.PacketsIn.Add(1)
	switch p.Type {
	case engineio.Message:
		s.hmu.Lock()
		s.handler.OnMessage(s, p)
		s.hmu.Unlock()
	case engineio.Pong:
		s.onPong()
	case engineio.Ping:
		return ErrClientPing // EIO-6: the refserver closes, as Node does
	case engineio.Close:
		return ErrClientClose
	}
	return nil
}

func (s *Session) wakePoll() {
	if s.pollWake == nil {
		return
	}
	select {
	case s.pollWake <- struct{}{}:
	default:
	}
}

// Drop closes the transport at once, without a close packet, as a network
// failure would.
func (s *Session) Drop() {
	s.mu.Lock()
	s.dropped = true
	s.mu.Unlock()
	s.fail(ErrTransportClose)
}
