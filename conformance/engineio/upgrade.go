package engineio

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// EIO-9 and EIO-15/second-websocket: the polling → websocket upgrade.

// openUpgradable opens a polling session on the raw echo that offers the
// websocket upgrade, or skips.
func openUpgradable(t *check.T) (*wire, *poll) {
	if !t.Target.EnginePoll || !t.Target.EngineWS {
		t.Skip(noUpgrade + ": its raw Engine.IO path does not serve both polling and websocket")
	}
	w := newWire(t)
	p, err := w.openPoll(t.Target.EnginePath, nil)
	must(t, err)
	if !slices.Contains(p.open.Upgrades, engineio.TransportWebsocket) {
		t.Skip(noUpgrade + ": the OPEN packet lists no websocket upgrade")
	}
	return w, p
}

// probe opens the upgrade websocket for p's session and exchanges `2probe`
// for `3probe` (EIO-9).
func probe(p *poll) (*wsConn, error) {
	c, err := p.w.dialWS(p.path, p.query(engineio.TransportWebsocket), nil)
	var re *refusedError
	if errors.As(err, &re) {
		return nil, failf("the upgrade websocket for the session", "the handshake was answered %v", re)
	}
	if err != nil {
		return nil, err
	}
	c.open, c.opened = p.open, p.opened
	if err := c.send("2probe"); err != nil {
		return nil, describe(err, "`3probe` answering `2probe`", check.Wait)
	}
	f, err := c.next(check.Wait)
	if err != nil {
		return nil, describe(err, "`3probe` answering `2probe`", check.Wait)
	}
	if f.raw != "3probe" {
		return nil, failf("`3probe` answering `2probe`", "%s", f)
	}
	return c, nil
}

// upgrade runs the whole upgrade of a session on the raw echo with no GET
// pending: the probe, then the upgrade packet `5`, then an echo over the
// websocket, which shows that the server has switched (it handles `5`
// asynchronously, and a client never polls after sending it).
func upgrade(p *poll) (*wsConn, error) {
	c, err := probe(p)
	if err != nil {
		return nil, err
	}
	if err := c.send("5"); err != nil {
		return nil, err
	}
	c.autoPong(true)
	return c, echo(c, "4upgraded")
}

// probeCase is EIO-9/probe: after the exchange the session runs on the
// websocket.
func probeCase(_ context.Context, t *check.T) {
	_, p := openUpgradable(t)
	c, err := upgrade(p)
	must(t, err)
	must(t, echo(c, "4after-upgrade"))
}

// noopGrace is how long after `3probe` the case waits for the pending GET
// before it sends `5` anyway: socket.io-client waits for that GET to
// return, so servers answer it at once (Node within 100 ms), but the text
// allows the answer after `5` too.
const noopGrace = time.Second

// pendingGetNoop is EIO-9/pending-get-noop.
func pendingGetNoop(_ context.Context, t *check.T) {
	w, p := openUpgradable(t)
	pending, err := heldGet(p)
	must(t, err)
	c, err := probe(p)
	must(t, err)
	const want = "the pending GET answered with a noop `6` during the upgrade"
	sent5 := false
	for tries := 0; ; tries++ {
		wait := noopGrace
		if sent5 {
			wait = check.Wait
		}
		res, ok, err := w.await(pending, wait)
		must(t, err)
		if !ok && !sent5 {
			must(t, c.send("5"))
			sent5 = true
			continue
		}
		if !ok {
			t.Failf(want, "no answer within %v of `5`", check.Wait)
		}
		must(t, res.err)
		pkts, err := packets(res.reply)
		var ce *closedError
		if errors.As(err, &ce) {
			t.Fail(want, ce.how)
		}
		must(t, err)
		if hasType(pkts, engineio.Noop) && !hasType(pkts, engineio.Close) {
			break
		}
		if !hasType(pkts, engineio.Ping) || sent5 || tries == 3 {
			t.Fail(want, res.reply.String())
		}
		must(t, p.send("3")) // the ping came first; the noop goes to the next GET
		pending = p.getAsync()
	}
	if !sent5 {
		must(t, c.send("5"))
	}
	c.autoPong(true)
	must(t, echo(c, "4upgraded"))
}

// upgradesListed is EIO-9/upgrades-listed, at the Socket.IO path.
func upgradesListed(_ context.Context, t *check.T) {
	w := newWire(t)
	eachTransport(t, pathTransports(t), noSession, func(tr string) error {
		first, err := firstPacket(w, tr, t.Target.Path)
		if err != nil {
			return err
		}
		info, missing, err := openFields(first) // judges upgrades only: the rest is EIO-4's
		if err != nil {
			return err
		}
		if slices.ContainsFunc(missing, func(m string) bool { return strings.HasPrefix(m, "upgrades ") }) {
			return failf(openShape+" with upgrades an array of transport names", "%s", first)
		}
		ws := slices.Contains(info.Upgrades, engineio.TransportWebsocket)
		switch {
		case tr == engineio.TransportWebsocket && ws:
			return failf("no websocket upgrade listed on a session that is on websocket", "%s", first)
		case tr == engineio.TransportPolling && ws && !t.Target.Websocket:
			return failf("the websocket upgrade listed only when the target serves websocket", "%s, but websocket handshakes are refused", first)
		}
		return nil
	})
}

// secondWebsocket is EIO-15/second-websocket.
func secondWebsocket(_ context.Context, t *check.T) {
	w, p := openUpgradable(t)
	_, err := upgrade(p)
	must(t, err)
	const want = "a second websocket for the upgraded session closed"
	c, err := w.dialWS(p.path, p.query(engineio.TransportWebsocket), nil)
	var re *refusedError
	if errors.As(err, &re) {
		if re.status != http.StatusBadRequest { // refused outright: with 400 (EIO-3), never a 5xx
			t.Fail(want+", or refused with HTTP 400", gotStatus(re.status, http.StatusBadRequest, re.Error()))
		}
		return
	}
	must(t, err)
	var ce *closedError
	if err := c.send("2probe"); errors.As(err, &ce) {
		return
	}
	deadline := time.Now().Add(check.Wait)
	for {
		f, err := c.next(time.Until(deadline))
		switch {
		case errors.As(err, &ce):
			return
		case errors.Is(err, errQuiet):
			t.Failf(want, "it stayed open %v", check.Wait)
		case err != nil:
			must(t, err)
		case f.raw == "3probe":
			t.Fail(want, "it answered `2probe` with `3probe`")
		case f.raw == "1":
			return
		}
	}
}
