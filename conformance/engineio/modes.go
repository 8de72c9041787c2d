package engineio

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// EIO-13 and EIO-14: websocket requests without the upgrade, and the
// transport modes, at the Socket.IO path.

func requireWebsocket(t *check.T) {
	if !t.Target.Websocket {
		t.Skip(noWebsocket)
	}
}

// noUpgradeHeaders is EIO-13/no-upgrade-headers: a plain GET asking for
// the websocket transport.
func noUpgradeHeaders(_ context.Context, t *check.T) {
	requireWebsocket(t)
	w := newWire(t)
	r, err := w.request(w.nextConn(), http.MethodGet, t.Target.Path+handshakeQuery(engineio.TransportWebsocket), nil, nil, check.Wait)
	must(t, err)
	must(t, refusedWith(r, http.StatusBadRequest, engineio.BadRequest, "a websocket handshake without upgrade headers"))
}

// missingKey is EIO-13/missing-key: upgrade headers without the
// Sec-WebSocket-Key that RFC 6455 requires.
func missingKey(_ context.Context, t *check.T) {
	requireWebsocket(t)
	w := newWire(t)
	h := http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Version": {"13"}}
	r, err := w.request(w.nextConn(), http.MethodGet, t.Target.Path+handshakeQuery(engineio.TransportWebsocket), nil, h, check.Wait)
	must(t, err)
	if r.status != http.StatusBadRequest {
		t.Failf("HTTP 400 to a websocket handshake without Sec-WebSocket-Key", "%s", r)
	}
}

// sidNoUpgradeHeaders is EIO-13/sid-no-upgrade-headers: a plain GET asking
// to move a polling session to websocket.
func sidNoUpgradeHeaders(_ context.Context, t *check.T) {
	if !t.Target.Polling || !t.Target.Websocket {
		t.Skip("the target does not serve both polling and websocket at its path: no session to upgrade")
	}
	w := newWire(t)
	p, err := w.openPoll(t.Target.Path, nil)
	must(t, err)
	r, err := w.request(p.n, http.MethodGet, p.path+p.query(engineio.TransportWebsocket), nil, nil, check.Wait)
	must(t, err)
	if r.status != http.StatusBadRequest {
		t.Failf("HTTP 400 to a websocket request for the session without upgrade headers", "%s", r)
	}
}

// websocketOnly is EIO-14/websocket-only.
func websocketOnly(_ context.Context, t *check.T) {
	if !t.Target.Websocket || t.Target.Polling {
		t.Skip("the target is not in websocket-only mode: it serves " + mode(t))
	}
	w := newWire(t)
	first, err := firstPacket(w, engineio.TransportWebsocket, t.Target.Path)
	must(t, err)
	info, err := checkOpen(first)
	must(t, err)
	if len(info.Upgrades) != 0 {
		t.Failf(`"upgrades":[] on a websocket-only target`, "%s", first)
	}
	r, err := w.request(w.nextConn(), http.MethodGet, t.Target.Path+handshakeQuery(engineio.TransportPolling), nil, nil, check.Wait)
	must(t, err)
	if r.status != http.StatusBadRequest {
		t.Failf("HTTP 400 to a polling handshake on a websocket-only target", "%s", r)
	}
}

// pollingOnly is EIO-14/polling-only.
func pollingOnly(_ context.Context, t *check.T) {
	if !t.Target.Polling || t.Target.Websocket {
		t.Skip("the target is not in polling-only mode: it serves " + mode(t))
	}
	w := newWire(t)
	p, err := w.openPoll(t.Target.Path, nil)
	must(t, err)
	if len(p.open.Upgrades) != 0 {
		t.Failf(`"upgrades":[] on a polling-only target`, "upgrades %q", p.open.Upgrades)
	}
	a, err := w.wsHandshake(t.Target.Path, handshakeQuery(engineio.TransportWebsocket), nil)
	must(t, err)
	must(t, refusedWS(w, a, http.StatusBadRequest, "a websocket handshake on a polling-only target"))
	a, err = w.wsHandshake(p.path, p.query(engineio.TransportWebsocket), nil)
	must(t, err)
	must(t, refusedWS(w, a, http.StatusBadRequest, "a websocket upgrade on a polling-only target"))
}

// bothTransports is EIO-14/both: polling first, with the upgrade.
func bothTransports(_ context.Context, t *check.T) {
	if !t.Target.Polling || !t.Target.Websocket {
		t.Skip("the target does not serve both transports: it serves " + mode(t))
	}
	w := newWire(t)
	p, err := w.openPoll(t.Target.Path, nil)
	must(t, err)
	if !slices.Contains(p.open.Upgrades, engineio.TransportWebsocket) {
		t.Failf(`"upgrades":["websocket"] on a polling session of a target serving both transports`, "upgrades %q", p.open.Upgrades)
	}
	// The switch shows in the next ping, which comes over the websocket (the
	// Socket.IO path has no echo to show it sooner).
	c, err := probe(p)
	must(t, err)
	must(t, c.send("5"))
	c.autoPong(true)
	pi, _ := timings(p.open)
	_, err = nextPing(c, late(pi), "the session's next ping over the websocket after the upgrade")
	must(t, err)
	r, err := w.request(p.n, http.MethodGet, p.url(), nil, nil, check.Wait)
	must(t, err)
	if r.status != http.StatusBadRequest {
		t.Failf("the session on websocket after the upgrade: polling refused with HTTP 400", "a polling GET was answered %s", r)
	}
}

func mode(t *check.T) string {
	switch {
	case t.Target.Polling && t.Target.Websocket:
		return "polling and websocket"
	case t.Target.Polling:
		return "polling only"
	case t.Target.Websocket:
		return "websocket only"
	}
	return fmt.Sprintf("neither transport at %s", t.Target.Path)
}
