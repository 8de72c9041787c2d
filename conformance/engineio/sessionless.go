package engineio

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// EIO-3, the requests that must open no session: a missing transport, a
// websocket handshake with a bad or missing transport, a handshake with a
// method other than GET, and the sid of a session that is over. Every one
// is answered 400; a 5xx fails, naming the status (gotStatus).

// missingTransport is EIO-3/missing-transport: a polling-style GET with
// EIO=4 and no transport.
func missingTransport(_ context.Context, t *check.T) {
	w := newWire(t)
	r, err := w.request(w.nextConn(), http.MethodGet, t.Target.Path+query("EIO", "4"), nil, nil, check.Wait)
	must(t, err)
	must(t, refusedWith(r, http.StatusBadRequest, engineio.UnknownTransport, "a handshake without transport"))
}

// wsBadTransport is EIO-3/ws-unknown-transport and EIO-3/ws-missing-transport:
// a websocket handshake whose query names no transport it may open
// (tr "" leaves the parameter out).
func wsBadTransport(tr string) func(context.Context, *check.T) {
	what, q := "a websocket handshake with transport="+tr, query("EIO", "4", "transport", tr)
	if tr == "" {
		what, q = "a websocket handshake without transport", query("EIO", "4")
	}
	return func(_ context.Context, t *check.T) {
		requireWebsocket(t)
		w := newWire(t)
		a, err := w.wsHandshake(t.Target.Path, q, nil)
		must(t, err)
		must(t, refusedWS(w, a, http.StatusBadRequest, what))
	}
}

// badMethod is EIO-3/post-handshake and EIO-3/put: a handshake that is not
// GET.
func badMethod(method string) func(context.Context, *check.T) {
	return func(_ context.Context, t *check.T) {
		trs := pathTransports(t)
		if len(trs) == 0 {
			t.Skip(noSession)
		}
		w := newWire(t)
		r, err := w.request(w.nextConn(), method, t.Target.Path+handshakeQuery(trs[0]), []byte("4hello"), nil, check.Wait)
		must(t, err)
		must(t, refusedWith(r, http.StatusBadRequest, engineio.BadHandshakeMethod, "a "+method+" handshake"))
	}
}

// goneSID checks that every request for the sid of a session that is over
// gets 400 (code 1): a GET, a POST and, when served, a websocket.
func goneSID(t *check.T, w *wire, p *poll, why string) {
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		var body []byte
		if m == http.MethodPost {
			body = []byte("4hello")
		}
		r, err := w.request(p.n, m, p.url(), body, nil, check.Wait)
		must(t, err)
		must(t, refusedWith(r, http.StatusBadRequest, engineio.UnknownSID, fmt.Sprintf("a %s for the sid of a session %s", m, why)))
	}
	if t.Target.EngineWS {
		a, err := w.wsHandshake(p.path, p.query(engineio.TransportWebsocket), nil)
		must(t, err)
		must(t, refusedWS(w, a, http.StatusBadRequest, "a websocket for the sid of a session "+why))
	}
}

// closedSID is EIO-3/closed-sid: the client closed its session with `1`.
func closedSID(_ context.Context, t *check.T) {
	w, p := openEnginePoll(t)
	r, err := p.post("1")
	must(t, err)
	if r.status != http.StatusOK {
		t.Failf("HTTP 200 to the POST of `1`", "%s", r)
	}
	goneSID(t, w, p, "the client closed")
}

// timedOutSID is EIO-3/timed-out-sid: the client left the first ping
// unanswered and sent nothing at all. A GET may still collect the close
// packet `1` of the ending session; after that the sid is unknown.
func timedOutSID(_ context.Context, t *check.T) {
	w, p := openEnginePoll(t)
	pi, pt, err := pingTimings(p.open)
	must(t, err)
	idle := late(pi + pt)
	t.Logf("no request for %v", idle)
	select {
	case <-time.After(idle):
	case <-t.Context().Done():
		must(t, w.over())
	}
	r, err := w.request(p.n, http.MethodGet, p.url(), nil, nil, check.Wait)
	must(t, err)
	if pkts, err := packets(r); err == nil && !hasType(pkts, engineio.Close) {
		t.Failf(fmt.Sprintf("the session over pingInterval + pingTimeout (%v) after the open", pi+pt),
			"a GET %v after the open was answered %s", idle, r)
	} else if err != nil {
		must(t, refusedWith(r, http.StatusBadRequest, engineio.UnknownSID, "a GET for the sid of a session that timed out"))
	}
	goneSID(t, w, p, "that timed out")
}
