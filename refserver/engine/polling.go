package engine

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/refserver/limit"
)

// servePollGet holds a GET until there is something to send (EIO-8).
func (s *Session) servePollGet(w http.ResponseWriter, r *http.Request) {
	if s.srv.cfg.RacyPostClose {
		time.Sleep(racyLag) // the fault: a GET sent with a POST `1` is reached after it
	}
	s.awaitUpgrade(r.Context())
	s.mu.Lock()
	switch {
	case s.ws != nil: // upgraded: polling is over for this sid
		s.mu.Unlock()
		s.srv.fail(w, FailBadRequest)
		return
	case s.overdueLocked(s.srv.clock()): // timed out, whether or not the timer has run (EIO-5)
		s.mu.Unlock()
		s.srv.fail(w, FailUnknownSID)
		s.fail(ErrPingTimeout)
		return
	case s.getActive: // a second concurrent GET closes the session
		s.mu.Unlock()
		s.srv.fail(w, FailBadRequest)
		s.Close(ErrPollOverlap)
		return
	}
	s.getActive = true
	s.noopDuringProbe()
	if s.srv.cfg.EagerPoll && len(s.queue) == 0 && !s.closed {
		s.queue = append(s.queue, noopFrame)
	}
	for len(s.queue) == 0 && !s.closed && s.ws == nil {
		s.mu.Unlock()
		select {
		case <-s.pollWake:
		case <-r.Context().Done(): // the client went away
			s.mu.Lock()
			s.getActive = false
			s.mu.Unlock()
			s.fail(ErrTransportClose)
			return
		}
		s.mu.Lock()
	}
	if r.Context().Err() != nil && s.ws == nil { // the client left while we woke: nothing is delivered
		s.getActive = false
		s.mu.Unlock()
		s.fail(ErrTransportClose)
		return
	}
	if s.dropped { // as a network failure: no response at all
		s.getActive = false
		s.mu.Unlock()
		panic(http.ErrAbortHandler)
	}
	var body []byte
	switch {
	case s.ws != nil: // upgraded while waiting (EIO-9)
		body = noopFrame.Data
	case len(s.queue) == 0: // failed while waiting
		body = closeFrame.Data
	default:
		body = s.appendFrames(nil, s.queue)
		s.queue = nil
		if s.pongDue && s.srv.cfg.LazyPongTimer { // the fault: the timeout starts now
			s.nextAt = s.srv.clock() + s.srv.cfg.PingTimeout
			s.srv.timers.set(s, s.nextAt)
		}
	}
	s.getActive = false
	done := s.closed
	s.mu.Unlock()
	s.writePollBody(w, body)
	if done {
		s.finalize()
	}
}

func (s *Session) appendFrames(dst []byte, frames []Frame) []byte {
	for i, f := range frames {
		if i > 0 {
			dst = append(dst, engineio.RecordSeparator)
		}
		if f.Binary && s.srv.cfg.BinaryAsText {
			dst = append(dst, base64Message(f.Data)...)
		} else if f.Binary {
			dst = engineio.AppendText(dst, engineio.Packet{Type: engineio.Message, Data: f.Data, Binary: true})
		} else {
			dst = append(dst, f.Data...)
		}
	}
	return dst
}

func (s *Session) writePollBody(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	s.srv.stats.BytesOut.Add(uint64(len(body)))
	w.Write(body)
}

// servePollPost reads packets from the client (EIO-8, EIO-10).
func (s *Session) servePollPost(w http.ResponseWriter, r *http.Request) {
	s.awaitUpgrade(r.Context())
	s.mu.Lock()
	switch {
	case s.ws != nil:
		s.mu.Unlock()
		s.srv.fail(w, FailBadRequest)
		return
	case s.closed:
		// Closed, only waiting for a GET to take its `1`: the sid is
		// over for POSTs (EIO-3), and no more body is read (LIM-1).
		s.mu.Unlock()
		s.srv.fail(w, FailUnknownSID)
		return
	case s.postBusy:
		s.mu.Unlock()
		s.srv.fail(w, FailBadRequest)
		s.Close(ErrPollOverlap)
		return
	}
	s.postBusy = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.postBusy = false
		s.mu.Unlock()
	}()

	max := s.srv.payloadLimit()
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(max)+1))
	if err != nil {
		s.srv.fail(w, FailBadRequest)
		s.fail(ErrTransportError)
		return
	}
	if len(body) > max { // Node answers 413 and keeps the session
		http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
		return
	}
	s.srv.stats.BytesIn.Add(uint64(len(body)))
	if !s.srv.cfg.AcceptInvalidUTF8 && !utf8.Valid(body) { // LIM-3
		s.srv.cfg.Limits.Hit(limit.UTF8, "polling POST body is not UTF-8; answered 400 and closed", "sid", s.id)
		s.srv.fail(w, FailBadRequest)
		s.fail(ErrInvalidUTF8)
		return
	}
	pkts, err := engineio.DecodePayload(body)
	if err != nil { // an unparsable packet closes the session
		s.srv.fail(w, FailBadRequest)
		s.fail(ErrParse)
		return
	}
	for _, p := range pkts {
		if reason := s.handlePacket(p); reason != nil {
			s.pollEnd(r.Context(), reason)
			break
		}
	}
	if s.closedBy(ErrSlowConsumer) { // LIM-6: its answers did not fit the queue
		s.srv.fail(w, FailBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/html")
	w.Write([]byte("ok"))
}

func (s *Session) closedBy(reason error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason == reason
}

// pollEnd ends a polling session on the client's word: the pending GET
// gets a noop (EIO-8: POST `1` answers the pending GET with `6`), and so
// does a GET that reaches the session just after the POST.
func (s *Session) pollEnd(ctx context.Context, reason error) {
	s.mu.Lock()
	if s.reason == nil {
		s.reason = reason
	}
	s.closed = true
	getActive := s.getActive
	if getActive || !s.srv.cfg.RacyPostClose {
		s.queue = append(s.queue[:0], noopFrame)
	}
	s.wakePoll()
	s.mu.Unlock()
	// With a GET pending, that GET finalizes once it has sent the noop:
	// finalizing here could empty the queue first and turn the noop into `1`.
	if !getActive {
		s.lingerClosed(ctx)
	}
}

// base64Message is the binary-as-text fault's form of binary data: a text
// message packet carrying its base64.
func base64Message(data []byte) []byte {
	b := []byte{'0' + byte(engineio.Message)}
	return base64.StdEncoding.AppendEncode(b, data)
}
