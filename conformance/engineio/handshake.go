package engineio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// EIO-1 … EIO-4: the endpoint, the handshake and its HTTP errors, the OPEN
// packet. These run at the target's Socket.IO path.

// pathServed is EIO-1/path.
func pathServed(_ context.Context, t *check.T) {
	trs := pathTransports(t)
	if len(trs) == 0 {
		t.Failf("an OPEN packet to an EIO=4 handshake at "+t.Target.Path+" over websocket or polling",
			"neither handshake succeeded there (the raw Engine.IO path %s did answer)", t.Target.EnginePath)
	}
	_, err := newWire(t).open(trs[0], t.Target.Path)
	must(t, err)
}

// servedOver is EIO-1/polling and EIO-1/websocket: a handshake on tr opens
// a session whose next exchange (the GET carrying the sid, or the same
// websocket) brings the first ping.
func servedOver(tr string) func(context.Context, *check.T) {
	return func(_ context.Context, t *check.T) {
		if !slices.Contains(pathTransports(t), tr) {
			t.Skip(map[string]string{engineio.TransportPolling: noPolling, engineio.TransportWebsocket: noWebsocket}[tr])
		}
		s, err := newWire(t).open(tr, t.Target.Path)
		must(t, err)
		_, err = firstPing(s)
		must(t, err)
	}
}

// badVersion is EIO-2: eio is "EIO=3&" or "" (missing).
func badVersion(eio string) func(context.Context, *check.T) {
	what := "a handshake with " + strings.TrimSuffix(eio, "&")
	if eio == "" {
		what = "a handshake without EIO"
	}
	return func(_ context.Context, t *check.T) {
		w := newWire(t)
		p := t.Target.Path
		eachTransport(t, pathTransports(t), noSession, func(tr string) error {
			q := "?" + eio + "transport=" + tr
			if tr == engineio.TransportWebsocket {
				a, err := w.wsHandshake(p, q, nil)
				if err != nil {
					return err
				}
				return refusedWS(w, a, http.StatusBadRequest, what)
			}
			r, err := w.request(w.nextConn(), http.MethodGet, p+q, nil, nil, check.Wait)
			if err != nil {
				return err
			}
			if r.status != http.StatusBadRequest { // any body (PROTOCOL.md)
				return failf("HTTP 400 to "+what, "%s", r)
			}
			return nil
		})
	}
}

// unknownTransport is EIO-3/unknown-transport.
func unknownTransport(_ context.Context, t *check.T) {
	w := newWire(t)
	r, err := w.request(w.nextConn(), http.MethodGet, t.Target.Path+query("EIO", "4", "transport", "carrier-pigeon"), nil, nil, check.Wait)
	must(t, err)
	must(t, refusedWith(r, http.StatusBadRequest, engineio.UnknownTransport, "an unknown transport"))
}

// transportOff is EIO-3/transport-off: only a target serving one transport
// has one switched off.
func transportOff(_ context.Context, t *check.T) {
	w := newWire(t)
	p := t.Target.Path
	switch {
	case t.Target.Polling && t.Target.Websocket:
		t.Skip("the target serves both polling and websocket: no transport is switched off")
	case t.Target.Websocket:
		r, err := w.request(w.nextConn(), http.MethodGet, p+handshakeQuery(engineio.TransportPolling), nil, nil, check.Wait)
		must(t, err)
		must(t, refusedWith(r, http.StatusBadRequest, engineio.UnknownTransport, "a polling handshake on a websocket-only target"))
	case t.Target.Polling:
		a, err := w.wsHandshake(p, handshakeQuery(engineio.TransportWebsocket), nil)
		must(t, err)
		must(t, refusedWS(w, a, http.StatusBadRequest, "a websocket handshake on a polling-only target"))
	default:
		t.Skip(noSession)
	}
}

// unknownSID is EIO-3/unknown-sid.
func unknownSID(_ context.Context, t *check.T) {
	w := newWire(t)
	p := t.Target.Path
	const sid = "stampede-unknown-sid"
	eachTransport(t, pathTransports(t), noSession, func(tr string) error {
		q := query("EIO", "4", "transport", tr, "sid", sid)
		if tr == engineio.TransportWebsocket {
			a, err := w.wsHandshake(p, q, nil)
			if err != nil {
				return err
			}
			return refusedWS(w, a, http.StatusBadRequest, "a websocket for an unknown sid")
		}
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			var body []byte
			if m == http.MethodPost {
				body = []byte("4hello")
			}
			r, err := w.request(w.nextConn(), m, p+q, body, nil, check.Wait)
			if err != nil {
				return err
			}
			if err := refusedWith(r, http.StatusBadRequest, engineio.UnknownSID, "a "+m+" for an unknown sid"); err != nil {
				return err
			}
		}
		return nil
	})
}

// openPacket is EIO-4/open-packet: on every transport the first packet is
// a well-formed OPEN, and each handshake gets its own sid.
func openPacket(_ context.Context, t *check.T) {
	w := newWire(t)
	eachTransport(t, pathTransports(t), noSession, func(tr string) error {
		var sids []string
		for range 2 {
			first, err := firstPacket(w, tr, t.Target.Path)
			if err != nil {
				return err
			}
			info, err := checkOpen(first)
			if err != nil {
				return err
			}
			sids = append(sids, info.SID)
		}
		if sids[0] == sids[1] {
			return failf("a new sid for every handshake", "two handshakes both got sid %q", sids[0])
		}
		return nil
	})
}

// firstPacket performs a handshake on tr and returns its first packet as
// it came.
func firstPacket(w *wire, tr, path string) (packet, error) {
	if tr == engineio.TransportPolling {
		r, err := w.request(w.nextConn(), http.MethodGet, path+handshakeQuery(tr), nil, nil, check.Wait)
		if err != nil {
			return packet{}, err
		}
		pkts, err := packets(r)
		if err != nil {
			return packet{}, failf("HTTP 200 with the OPEN packet to a polling handshake", "%s", r)
		}
		return pkts[0], nil
	}
	c, err := w.dialWS(path, handshakeQuery(tr), nil)
	var re *refusedError
	if errors.As(err, &re) {
		return packet{}, failf("a websocket session at "+path, "the handshake was answered %v", re)
	}
	if err != nil {
		return packet{}, err
	}
	p, err := c.recv(check.Wait)
	return p, describe(err, "the OPEN packet as the first websocket frame", check.Wait)
}

// openShape is the OPEN packet of EIO-4.
const openShape = `the OPEN packet 0{"sid":…,"upgrades":[…],"pingInterval":ms,"pingTimeout":ms,"maxPayload":bytes}`

// checkOpen checks the OPEN packet field by field: a sid string, an array
// of upgrades, and three positive integers. Only EIO-4/open-packet judges
// the whole packet; the cases that need one field use openFields and skip
// when that field is missing (missingField).
func checkOpen(p packet) (engineio.OpenInfo, error) {
	info, missing, err := openFields(p)
	if err != nil {
		return info, err
	}
	if len(missing) > 0 {
		return info, failf(openShape+" with "+missing[0], "%s", p)
	}
	return info, nil
}

// openFields reads the OPEN packet leniently: a JSON object with a sid is
// required; each other field that is missing or malformed is left zero and
// named in missing, as "<field> <what it must be>".
func openFields(p packet) (engineio.OpenInfo, []string, error) {
	var fields map[string]json.RawMessage
	if p.Type != engineio.Open || p.Binary || json.Unmarshal(p.Data, &fields) != nil {
		return engineio.OpenInfo{}, nil, failf(openShape, "%s", p)
	}
	var info engineio.OpenInfo
	if json.Unmarshal(fields["sid"], &info.SID) != nil || info.SID == "" {
		return info, nil, failf(openShape+" with a non-empty sid string", "%s", p)
	}
	var missing []string
	if !strings.HasPrefix(string(fields["upgrades"]), "[") || json.Unmarshal(fields["upgrades"], &info.Upgrades) != nil {
		missing = append(missing, "upgrades an array of transport names")
	}
	nums := map[string]*int{"pingInterval": &info.PingInterval, "pingTimeout": &info.PingTimeout, "maxPayload": &info.MaxPayload}
	for _, k := range []string{"pingInterval", "pingTimeout", "maxPayload"} {
		var f float64
		if json.Unmarshal(fields[k], &f) != nil || f <= 0 || f != math.Trunc(f) || f > math.MaxInt32 {
			missing = append(missing, k+" a positive integer")
			continue
		}
		*nums[k] = int(f)
	}
	return info, missing, nil
}

// missingField is the skip of a case that needs a field of the OPEN packet
// that the target left out or made unusable: EIO-4/open-packet fails for
// it, once.
func missingField(field string) error {
	return &skipError{"the OPEN packet has no usable " + field + " (see EIO-4/open-packet)"}
}

// settingsAnnounced is EIO-4/defaults-announced: the announced settings are
// the server's, so every session, on every transport, gets the same.
func settingsAnnounced(_ context.Context, t *check.T) {
	trs := pathTransports(t)
	if len(trs) == 0 {
		t.Skip(noSession)
	}
	w := newWire(t)
	type seen struct {
		tr   string
		info engineio.OpenInfo
	}
	var all []seen
	for _, tr := range trs {
		for range 2 {
			first, err := firstPacket(w, tr, t.Target.Path)
			must(t, err)
			info, missing, err := openFields(first) // a missing field is EIO-4/open-packet's to judge
			must(t, err)
			for _, m := range missing {
				t.Logf("the OPEN packet has no %s (see EIO-4/open-packet)", m)
			}
			all = append(all, seen{tr, info})
		}
	}
	// A field missing from one handshake is EIO-4/open-packet's to judge:
	// each field is compared among the handshakes that announced it.
	fields := []struct {
		name string
		get  func(engineio.OpenInfo) int
	}{
		{"pingInterval", func(i engineio.OpenInfo) int { return i.PingInterval }},
		{"pingTimeout", func(i engineio.OpenInfo) int { return i.PingTimeout }},
		{"maxPayload", func(i engineio.OpenInfo) int { return i.MaxPayload }},
	}
	for _, f := range fields {
		first := -1
		for i, s := range all {
			v := f.get(s.info)
			switch {
			case v == 0:
			case first < 0:
				first = i
			case v != f.get(all[first].info):
				t.Failf(fmt.Sprintf("every handshake announcing the same settings (%s %d on %s)", f.name, f.get(all[first].info), all[first].tr),
					"a %s handshake announced %s %d", s.tr, f.name, v)
			}
		}
	}
	want := fmt.Sprintf("pingInterval %d, pingTimeout %d, maxPayload %d", all[0].info.PingInterval, all[0].info.PingTimeout, all[0].info.MaxPayload)
	if all[0].info.PingInterval == 25000 && all[0].info.PingTimeout == 20000 && all[0].info.MaxPayload == 1000000 {
		t.Logf("announced the defaults: %s", want)
	} else {
		t.Logf("announced configured settings: %s (defaults 25000, 20000, 1000000)", want)
	}
}
