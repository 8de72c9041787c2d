package engineio

import (
	"context"
	"net/http"
	"strings"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// EIO-12 (SHOULD): the CORS allow-list refuses foreign origins with 400.
// A check cannot see the allow-list: a target that accepts a foreign
// Origin may simply have none configured (the default `*`), so that is a
// skip, not a pass and not a failure.

// foreignOrigin is an origin no allow-list holds.
const foreignOrigin = "https://stampede-foreign-origin.invalid"

// originOutcome is how a handshake with some Origin went.
type originOutcome int

const (
	originAccepted originOutcome = iota // a session opened
	originRefused                       // HTTP 400, no session
	originOther                         // anything else
)

// handshakeWith performs a handshake on tr at path with header and says how
// it went, and what was answered.
func handshakeWith(w *wire, tr, path string, header http.Header) (originOutcome, string, error) {
	if tr == engineio.TransportWebsocket {
		a, err := w.wsHandshake(path, handshakeQuery(tr), header)
		switch {
		case err != nil:
			return originOther, "", err
		case refusedWS(w, a, http.StatusBadRequest, "") == nil:
			return originRefused, a.String(), nil
		case a.status == http.StatusSwitchingProtocols && strings.HasPrefix(a.frame, "0"):
			return originAccepted, a.String(), nil
		}
		return originOther, a.String(), nil
	}
	r, err := w.request(w.nextConn(), http.MethodGet, path+handshakeQuery(tr), nil, header, check.Wait)
	switch {
	case err != nil:
		return originOther, "", err
	case r.status == http.StatusBadRequest:
		return originRefused, r.String(), nil
	}
	if _, _, err := parseHandshake(r); err == nil {
		return originAccepted, r.String(), nil
	}
	return originOther, r.String(), nil
}

// foreignOriginRefused is EIO-12/foreign-origin.
func foreignOriginRefused(_ context.Context, t *check.T) {
	w := newWire(t)
	header := http.Header{"Origin": {foreignOrigin}}
	var accepted, refused []string
	for _, tr := range pathTransports(t) {
		out, answer, err := handshakeWith(w, tr, t.Target.Path, header)
		must(t, err)
		switch out {
		case originAccepted:
			accepted = append(accepted, tr)
		case originRefused:
			refused = append(refused, tr)
		default:
			t.Failf("HTTP 400 and no session for a handshake with Origin "+foreignOrigin+" (over "+tr+")", "%s", answer)
		}
	}
	switch {
	case len(accepted)+len(refused) == 0:
		t.Skip(noSession)
	case len(accepted) > 0 && len(refused) > 0:
		t.Failf("the same answer to a foreign Origin on every transport", "refused over %s, accepted over %s",
			strings.Join(refused, ", "), strings.Join(accepted, ", "))
	case len(accepted) > 0:
		t.Skip("the target accepted Origin " + foreignOrigin + ": it has no allow-list (the default *), or does not refuse by Origin (Node's cors option only sets headers); a check cannot tell")
	}
}

// noOriginAccepted is EIO-12/no-origin: a handshake without Origin is not
// refused for the missing header; the same handshake with the target's
// own origin tells whether a refusal was about Origin.
func noOriginAccepted(_ context.Context, t *check.T) {
	w := newWire(t)
	own := t.Target.URL.Scheme + "://" + t.Target.URL.Host
	opened := false
	for _, tr := range []string{engineio.TransportPolling, engineio.TransportWebsocket} {
		without, answer, err := handshakeWith(w, tr, t.Target.Path, nil)
		must(t, err)
		if without == originAccepted {
			opened = true
			continue
		}
		with, _, err := handshakeWith(w, tr, t.Target.Path, http.Header{"Origin": {own}})
		must(t, err)
		if with == originAccepted {
			t.Failf("a handshake without Origin accepted (over "+tr+")",
				"it was answered %s, while the same handshake with Origin %s opened a session", answer, own)
		}
	}
	if !opened {
		t.Skip(noSession)
	}
}
