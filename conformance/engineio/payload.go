package engineio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// EIO-10: maxPayload counts the whole packet on websocket and the whole
// POST body on polling.

// maxSendable bounds the maxPayload a check will fill (python-engineio's
// default is 100 KB, Node's 1 MB; a target announcing more is not filled).
const maxSendable = 16 << 20

// payloadSession opens a session on tr at the raw echo and returns its
// maxPayload.
func payloadSession(t *check.T, tr string) (session, int) {
	requireEngine(t, tr)
	s, err := newWire(t).open(tr, t.Target.EnginePath)
	must(t, err)
	n := s.info().MaxPayload
	if n <= 0 {
		must(t, missingField("maxPayload"))
	}
	if n > maxSendable {
		t.Skip(fmt.Sprintf("the target's maxPayload (%d bytes) is more than a check sends (%d)", n, maxSendable))
	}
	s.autoPong(true)
	return s, n
}

// message returns a message packet of exactly size bytes, type byte included.
func message(size int) string { return "4" + strings.Repeat("x", size-1) }

// exactPayload is EIO-10/ws-exact and EIO-10/polling-exact.
func exactPayload(tr string) func(context.Context, *check.T) {
	return func(_ context.Context, t *check.T) {
		s, max := payloadSession(t, tr)
		msg := message(max)
		want := fmt.Sprintf("a message of exactly maxPayload (%d) bytes accepted and echoed", max)
		if p, ok := s.(*poll); ok {
			r, err := p.post(msg)
			must(t, err)
			if r.status != http.StatusOK {
				t.Failf(want, "the POST was answered %s", r)
			}
		} else {
			must(t, describe(s.send(msg), want, check.Wait))
		}
		got, err := recvMessage(s, check.Wait)
		must(t, describe(err, want, check.Wait))
		if got.raw != msg {
			t.Failf(want, "a message of %d bytes came back", len(got.raw))
		}
	}
}

// wsOver is EIO-10/ws-over.
func wsOver(_ context.Context, t *check.T) {
	s, max := payloadSession(t, engineio.TransportWebsocket)
	c := s.(*wsConn)
	want := fmt.Sprintf("the websocket closed with code 1009 after a message of maxPayload+1 (%d) bytes", max+1)
	var ce *closedError
	if err := c.send(message(max + 1)); err != nil && !errors.As(err, &ce) {
		must(t, err)
	}
	got, err := recvMessage(c, check.Wait)
	switch {
	case errors.As(err, &ce):
		if code := c.closeCode(); code != 1009 {
			t.Fail(want, ce.how)
		}
	case err != nil:
		must(t, describe(err, want, check.Wait))
	default:
		t.Failf(want, "a message of %d bytes came back", len(got.raw))
	}
}

// pollingOver is EIO-10/polling-over: 413 (Node, the refserver), or 400
// with the session closed (python).
func pollingOver(_ context.Context, t *check.T) {
	s, max := payloadSession(t, engineio.TransportPolling)
	p := s.(*poll)
	want := fmt.Sprintf("HTTP 413 to a POST of maxPayload+1 (%d) bytes, or HTTP 400 closing the session", max+1)
	r, err := p.post(message(max + 1))
	must(t, err)
	switch r.status {
	case http.StatusRequestEntityTooLarge:
	case http.StatusBadRequest:
		how, err := awaitClosed(p, check.Wait, true)
		must(t, err)
		if how == "" {
			t.Fail(want, "HTTP 400, and the session stayed open")
		}
	default:
		t.Fail(want, r.String())
	}
}
