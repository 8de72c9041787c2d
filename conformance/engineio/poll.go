package engineio

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// poll is a raw long-polling session (EIO-8). It keeps at most one GET in
// flight, as a client must: a GET that outlives a recv stays pending for
// the next one.
type poll struct {
	w      *wire
	n      int
	path   string
	sid    string
	open   engineio.OpenInfo
	opened time.Time

	buf     []packet      // received, not yet returned by recv
	pending <-chan result // the GET in flight, or nil
	pong    bool
}

var _ session = (*poll)(nil)

// openPoll performs a polling handshake at path.
func (w *wire) openPoll(path string, header http.Header) (*poll, error) {
	n := w.nextConn()
	r, err := w.request(n, http.MethodGet, path+handshakeQuery(engineio.TransportPolling), nil, header, check.Wait)
	if err != nil {
		return nil, err
	}
	info, rest, err := parseHandshake(r)
	if err != nil {
		return nil, err
	}
	p := &poll{w: w, n: n, path: path, sid: info.SID, open: info, opened: r.at}
	for _, pk := range rest {
		p.buf = append(p.buf, packet{Packet: pk, raw: string(engineio.AppendText(nil, pk)), at: r.at})
	}
	return p, nil
}

// parseHandshake reads the OPEN packet from a polling handshake's answer,
// and the packets after it.
func parseHandshake(r reply) (engineio.OpenInfo, []engineio.Packet, error) {
	const want = "HTTP 200 with the OPEN packet to a polling handshake"
	if r.status != http.StatusOK {
		return engineio.OpenInfo{}, nil, failf(want, "%s", r)
	}
	pkts, err := engineio.DecodePayload(r.body)
	if err != nil {
		return engineio.OpenInfo{}, nil, failf(want, "%s: %v", r, err)
	}
	info, err := engineio.ParseOpen(pkts[0])
	if err != nil {
		return engineio.OpenInfo{}, nil, failf(want, "%s: not an OPEN packet with a sid", r)
	}
	return info, pkts[1:], nil
}

func (p *poll) transport() string       { return engineio.TransportPolling }
func (p *poll) info() engineio.OpenInfo { return p.open }
func (p *poll) openedAt() time.Time     { return p.opened }
func (p *poll) autoPong(on bool)        { p.pong = on }
func (p *poll) url() string             { return p.path + p.query(engineio.TransportPolling) }
func (p *poll) query(transport string) string {
	return query("EIO", "4", "transport", transport, "sid", p.sid)
}

// hold bounds one GET: the server may hold it until the next ping is due.
func (p *poll) hold() time.Duration {
	pi, pt := timings(p.open)
	return pi + pt + check.Wait
}

// get is one GET on the session; it must not overlap another.
func (p *poll) get() (reply, error) {
	return p.w.request(p.n, http.MethodGet, p.url(), nil, nil, p.hold())
}

// getAsync starts a GET on a helper goroutine.
func (p *poll) getAsync() <-chan result {
	return p.w.requestAsync(p.n, http.MethodGet, p.url(), nil, p.hold())
}

// post sends body as one POST.
func (p *poll) post(body string) (reply, error) {
	return p.w.request(p.n, http.MethodPost, p.url(), []byte(body), nil, check.Wait)
}

func (p *poll) send(pkts ...string) error {
	r, err := p.post(strings.Join(pkts, "\x1e"))
	if err != nil {
		return err
	}
	if r.status != http.StatusOK {
		return refusedOnSession("a POST on the session", r)
	}
	return nil
}

// refusedOnSession is a request on a session that was not answered 200:
// HTTP 400 is how a session that is gone answers (EIO-3); any other status,
// a 5xx above all, is a failure that names it, never taken for a closure.
func refusedOnSession(what string, r reply) error {
	if r.status == http.StatusBadRequest {
		return &closedError{fmt.Sprintf("%s was answered %s", what, r)}
	}
	return failf("HTTP 200, or HTTP 400 once the session is gone (EIO-3)",
		"%s", gotStatus(r.status, http.StatusBadRequest, what+" was answered "+r.String()))
}

func (p *poll) sendBinary(b []byte) error {
	return p.send("b" + base64.StdEncoding.EncodeToString(b))
}

// packets decodes a GET's answer; a GET refused with 400 means the session
// is gone (see refusedOnSession).
func packets(r reply) ([]packet, error) {
	if r.status != http.StatusOK {
		return nil, refusedOnSession("a GET on the session", r)
	}
	pkts, err := engineio.DecodePayload(r.body)
	if err != nil {
		return nil, failf("a polling payload of Engine.IO packets joined by \\x1e", "%s: %v", r, err)
	}
	out := make([]packet, len(pkts))
	for i, pk := range pkts {
		out[i] = packet{Packet: pk, raw: string(engineio.AppendText(nil, pk)), at: r.at}
	}
	return out, nil
}

func (p *poll) recv(d time.Duration) (packet, error) {
	deadline := time.Now().Add(d)
	for len(p.buf) == 0 {
		if p.pending == nil {
			p.pending = p.getAsync()
		}
		res, ok, err := p.w.await(p.pending, time.Until(deadline))
		if err != nil {
			return packet{}, err
		}
		if !ok {
			return packet{}, errQuiet
		}
		p.pending = nil
		if res.err != nil {
			return packet{}, res.err
		}
		if p.buf, err = packets(res.reply); err != nil {
			return packet{}, err
		}
	}
	pk := p.buf[0]
	p.buf = p.buf[1:]
	if pk.Type == engineio.Ping && p.pong {
		if err := p.send("3"); err != nil {
			return pk, err
		}
	}
	return pk, nil
}
