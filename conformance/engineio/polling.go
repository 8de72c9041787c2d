package engineio

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// EIO-8: long-polling, on the raw Engine.IO echo.

// openEnginePoll opens a polling session on the raw echo, or skips.
func openEnginePoll(t *check.T) (*wire, *poll) {
	requireEngine(t, engineio.TransportPolling)
	w := newWire(t)
	p, err := w.openPoll(t.Target.EnginePath, nil)
	must(t, err)
	return w, p
}

func hasType(pkts []packet, typ engineio.PacketType) bool {
	return slices.ContainsFunc(pkts, func(p packet) bool { return p.Type == typ })
}

// heldGet starts a GET and gives it a head start, so that the server holds
// it before the case goes on. A GET may only come back early with a ping,
// which is answered, and the GET renewed.
func heldGet(p *poll) (<-chan result, error) {
	const want = "a GET held until there is something to send"
	head := 100 * time.Millisecond
	if pi, _ := timings(p.open); pi > 0 { // a missing pingInterval is EIO-4's to judge
		head = min(pi/4, head)
	}
	for range 3 {
		ch := p.getAsync()
		res, ok, err := p.w.await(ch, head)
		switch {
		case err != nil:
			return nil, err
		case !ok:
			return ch, nil
		case res.err != nil:
			return nil, res.err
		}
		pkts, err := packets(res.reply)
		if err != nil {
			return nil, err
		}
		if !hasType(pkts, engineio.Ping) {
			return nil, failf(want, "it was answered at once with %s", res.reply)
		}
		if err := p.send("3"); err != nil {
			return nil, err
		}
	}
	return nil, failf(want, "three GETs in a row were answered at once")
}

// getHeld is EIO-8/get-held.
func getHeld(_ context.Context, t *check.T) {
	_, p := openEnginePoll(t)
	ch, err := heldGet(p)
	must(t, err)
	p.pending = ch
	must(t, p.send("4held"))
	got, err := recvMessage(p, check.Wait)
	must(t, describe(err, "the held GET answered with the echo \"4held\"", check.Wait))
	t.Equal("4held", got.raw, "the held GET's message")
}

// batch is EIO-8/batch: queued packets come back in one GET, joined by the
// record separator, as text/plain; charset=UTF-8.
func batch(_ context.Context, t *check.T) {
	_, p := openEnginePoll(t)
	must(t, p.send("4a", "4b", "4c"))
	r, err := p.get()
	must(t, err)
	mt, params, _ := mime.ParseMediaType(r.header.Get("Content-Type"))
	if mt != "text/plain" || !strings.EqualFold(params["charset"], "utf-8") {
		t.Failf("Content-Type text/plain; charset=UTF-8", "Content-Type %q", r.header.Get("Content-Type"))
	}
	pkts, err := packets(r)
	must(t, err)
	var msgs []string
	for _, pk := range pkts {
		if pk.Type == engineio.Message {
			msgs = append(msgs, pk.raw)
		}
	}
	if !slices.Equal(msgs, []string{"4a", "4b", "4c"}) {
		t.Failf(`the three echoes in one GET: "4a\x1e4b\x1e4c"`, "%s", r)
	}
}

// postOK is EIO-8/post-ok.
func postOK(_ context.Context, t *check.T) {
	_, p := openEnginePoll(t)
	r, err := p.post("4ok?")
	must(t, err)
	if r.status != http.StatusOK || string(r.body) != "ok" {
		t.Failf("HTTP 200 with the body `ok`", "%s", r)
	}
}

// closedAfter checks that the session is over: a GET is refused or gets
// the close packet.
func closedAfter(p *poll, what string) error {
	r, err := p.w.request(p.n, http.MethodGet, p.url(), nil, nil, check.Wait)
	if errors.Is(err, errNoAnswer) {
		return failf("the session closed after "+what, "a GET on it was held: the session was still open")
	}
	if err != nil {
		return err
	}
	pkts, err := packets(r)
	var ce *closedError
	if errors.As(err, &ce) || (err == nil && hasType(pkts, engineio.Close)) {
		return nil
	}
	if err != nil {
		return err
	}
	return failf("the session closed after "+what, "a GET on it was answered %s", r)
}

// pendingAnswer waits for the held GET and checks that it carries typ.
func pendingAnswer(p *poll, ch <-chan result, typ engineio.PacketType, want string) error {
	res, ok, err := p.w.await(ch, check.Wait)
	switch {
	case err != nil:
		return err
	case !ok:
		return failf(want, "no answer within %v", check.Wait)
	case res.err != nil:
		return res.err
	}
	pkts, err := packets(res.reply)
	var ce *closedError
	if errors.As(err, &ce) || (err == nil && !hasType(pkts, typ)) {
		return failf(want, "%s", res.reply)
	}
	return err
}

// concurrentGet is EIO-8/concurrent-get.
func concurrentGet(_ context.Context, t *check.T) {
	_, p := openEnginePoll(t)
	first, err := heldGet(p)
	must(t, err)
	second, err := p.get()
	must(t, err)
	if second.status != http.StatusBadRequest {
		t.Failf("HTTP 400 to a second concurrent GET", "%s", second)
	}
	must(t, pendingAnswer(p, first, engineio.Close, "the pending GET answered with the close packet `1`"))
	must(t, closedAfter(p, "a second concurrent GET"))
}

// postClose is EIO-8/post-close.
func postClose(_ context.Context, t *check.T) {
	_, p := openEnginePoll(t)
	pending, err := heldGet(p)
	must(t, err)
	r, err := p.post("1")
	must(t, err)
	if r.status != http.StatusOK {
		t.Failf("HTTP 200 to the POST of `1`", "%s", r)
	}
	must(t, pendingAnswer(p, pending, engineio.Noop, "the pending GET answered with a noop `6`"))
	must(t, closedAfter(p, "the client's close packet `1`"))
}

// badPacket sends pkt, which the server cannot parse, and checks that the
// session closes. Pings are answered meanwhile, so that the ping timeout
// cannot be what closes it.
func badPacket(s session, pkt string) error {
	if p, ok := s.(*poll); ok {
		if _, err := p.post(pkt); err != nil { // whatever the answer, as long as there is one
			return err
		}
	} else if err := s.send(pkt); err != nil {
		var ce *closedError
		if errors.As(err, &ce) {
			return nil
		}
		return err
	}
	how, err := awaitClosed(s, check.Wait, true)
	if err == nil && how == "" {
		return failf("the session closed after the packet "+clip([]byte(pkt)), "still open %v later", check.Wait)
	}
	return err
}

// unparsable is EIO-8/unparsable.
func unparsable(_ context.Context, t *check.T) {
	_, p := openEnginePoll(t)
	pending, err := heldGet(p)
	must(t, err)
	p.pending = pending
	must(t, badPacket(p, `{"not":"an Engine.IO packet"}`))
}

// afterUpgrade is EIO-8/after-upgrade.
func afterUpgrade(_ context.Context, t *check.T) {
	w, p := openUpgradable(t)
	_, err := upgrade(p)
	must(t, err)
	r, err := w.request(p.n, http.MethodGet, p.url(), nil, nil, check.Wait)
	must(t, err)
	if r.status != http.StatusBadRequest {
		t.Failf("HTTP 400 to a polling GET on a session that has upgraded", "%s", r)
	}
	r, err = p.post("4late")
	must(t, err)
	if r.status != http.StatusBadRequest {
		t.Failf("HTTP 400 to a polling POST on a session that has upgraded", "%s", r)
	}
}
