package engineio

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// session is one raw Engine.IO session, on polling or websocket, as the
// cases drive it. A session belongs to one goroutine at a time.
type session interface {
	transport() string
	info() engineio.OpenInfo
	// openedAt is when the OPEN packet arrived.
	openedAt() time.Time
	// send writes text packets in their wire form ("4hello", "3"): one
	// websocket frame each, or one POST joined by the record separator.
	send(pkts ...string) error
	// sendBinary writes a binary message: a binary frame, or "b<base64>".
	sendBinary(b []byte) error
	// recv returns the next packet within d: errQuiet when none came,
	// a *closedError when the server ended the session's transport.
	recv(d time.Duration) (packet, error)
	// autoPong makes recv (polling) or the read loop (websocket) answer
	// every ping with a pong.
	autoPong(on bool)
}

// packet is a received Engine.IO packet and when it arrived.
type packet struct {
	engineio.Packet
	raw string // its wire form (for a binary frame, its bytes)
	at  time.Time
	bad error // set when the frame was no Engine.IO packet
}

func (p packet) String() string { return fmt.Sprintf("%q", p.raw) }

// errQuiet: nothing arrived in time.
var errQuiet = errors.New("nothing arrived")

// closedError is a session that the server ended: how says what showed it.
type closedError struct{ how string }

func (e *closedError) Error() string { return "closed: " + e.how }

// open starts a session on transport tr at path.
func (w *wire) open(tr, path string) (session, error) {
	var s session
	var err error
	if tr == engineio.TransportPolling {
		s, err = w.openPoll(path, nil)
	} else {
		s, err = w.openWS(path, nil)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// recvMessage returns the next message packet within d, letting pings,
// pongs and noops go by.
func recvMessage(s session, d time.Duration) (packet, error) {
	deadline := time.Now().Add(d)
	for {
		p, err := s.recv(time.Until(deadline))
		if err != nil || p.Type == engineio.Message || p.Type == engineio.Close {
			return p, err
		}
	}
}

// echo sends each text message and expects it back unchanged (ECHO-1).
func echo(s session, msgs ...string) error {
	for _, m := range msgs {
		if err := s.send(m); err != nil {
			return err
		}
		want := fmt.Sprintf("the echo %q", m)
		got, err := recvMessage(s, check.Wait)
		if err != nil {
			return describe(err, want, check.Wait)
		}
		if got.raw != m {
			return failf(want, "%s", got)
		}
	}
	return nil
}

// describe turns a recv error after waiting d into a failure expecting what.
func describe(err error, expected string, d time.Duration) error {
	var ce *closedError
	switch {
	case errors.Is(err, errQuiet):
		return failf(expected, "nothing arrived in %v", d.Round(time.Millisecond))
	case errors.As(err, &ce):
		return failf(expected, "the server closed the session: %s", ce.how)
	}
	return err
}

// awaitClosed waits up to d for the server to end the session: the close
// packet `1`, a closed websocket, or a polling request refused. It answers
// pings meanwhile when keepAlive, so that the ping timeout cannot be what
// closes it. It reports how the closure showed, or "" when it did not.
func awaitClosed(s session, d time.Duration, keepAlive bool) (string, error) {
	s.autoPong(keepAlive)
	deadline := time.Now().Add(d)
	for {
		p, err := s.recv(time.Until(deadline))
		var ce *closedError
		switch {
		case errors.As(err, &ce):
			return ce.how, nil
		case errors.Is(err, errQuiet):
			return "", nil
		case err != nil:
			return "", err
		case p.Type == engineio.Close:
			return "the close packet `1`", nil
		}
	}
}

// eachSession runs fn over a new session at the target's Engine.IO path on
// each transport the target offers, as eachTransport does.
func eachSession(t *check.T, fn func(s session) error) {
	w := newWire(t)
	eachTransport(t, engineTransports(t), noEngine, func(tr string) error {
		s, err := w.open(tr, t.Target.EnginePath)
		if err != nil {
			return err
		}
		return fn(s)
	})
}

// eachTransport runs fn once per transport, concurrently, and ends the case
// with the first failure in the order of trs, marked with its transport.
// With no transport the case is skipped for reason.
func eachTransport(t *check.T, trs []string, reason string, fn func(tr string) error) {
	if len(trs) == 0 {
		t.Skip(reason)
	}
	errs := make([]error, len(trs))
	var wg sync.WaitGroup
	for i, tr := range trs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					errs[i] = failf("the case to run", "suite bug: it panicked: %v", p)
				}
			}()
			errs[i] = fn(tr)
		}()
	}
	wg.Wait()
	var skip *skipError
	for i, err := range errs {
		var f *failure
		switch {
		case errors.As(err, &skip):
		case errors.As(err, &f):
			f.fail(t, " (over "+trs[i]+")")
		case err != nil:
			t.Fail("the exchange to complete (over "+trs[i]+")", err.Error())
		}
	}
	for _, err := range errs {
		if errors.As(err, &skip) {
			t.Skip(skip.reason)
		}
	}
}

// pathTransports are the transports the target serves at its Socket.IO path.
func pathTransports(t *check.T) []string {
	return transports(t.Target.Polling, t.Target.Websocket)
}

// engineTransports are the transports of the raw Engine.IO echo.
func engineTransports(t *check.T) []string {
	return transports(t.Target.EnginePoll, t.Target.EngineWS)
}

func transports(polling, websocket bool) []string {
	var out []string
	if polling {
		out = append(out, engineio.TransportPolling)
	}
	if websocket {
		out = append(out, engineio.TransportWebsocket)
	}
	return out
}

// jsonObject decodes b into v and reports whether it was a JSON object.
func jsonObject(b []byte, v any) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(b, &m) == nil && json.Unmarshal(b, v) == nil
}
