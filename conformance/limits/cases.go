package limits

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
)

// Every case is bounded (PROTOCOL.md section 12): what it sends, the
// connections it opens, and its time.
const (
	maxSent  = 64 << 20         // bytes one case may send, all connections together
	maxConns = 2000             // connections one case may open
	caseTime = 60 * time.Second // a case's timeout
	// longWait is how long a case waits for a timeout of the target to
	// show (LIM-4, LIM-5): past the refserver's and Node's 45 s connect
	// timeout, within caseTime.
	longWait = 50 * time.Second
)

// Cases returns the limits layer's cases in PROTOCOL.md's order.
func Cases() []check.Case {
	var all []check.Case
	for _, part := range [][]check.Case{lim1Cases(), lim2Cases(), lim3Cases(), lim4Cases(), lim5Cases(),
		lim6Cases(), lim7Cases(), lim8Cases()} {
		all = append(all, part...)
	}
	return all
}

// run is one case run: its T and what it has spent of its bounds.
type run struct {
	t     *check.T
	sent  atomic.Int64
	conns atomic.Int32
}

// dial opens a conn (see dialConn), counted against maxConns.
func (r *run) dial(tr transport, name string, read bool) *conn {
	c, err := r.tryDial(tr, name, read)
	if err != nil {
		r.t.Failf("a session to open", "%s: %v", name, err)
	}
	return c
}

// tryDial is dial returning the error; past maxConns it is errBound.
func (r *run) tryDial(tr transport, name string, read bool) (*conn, error) {
	if r.conns.Add(1) > maxConns {
		return nil, errBound
	}
	return tryDial(r.t, tr, name, &r.sent, read)
}

// within reports whether the case may still send and connect.
func (r *run) within() bool { return r.sent.Load() < maxSent && r.conns.Load() < maxConns }

// canary is a second client on the echo namespace that must keep getting
// answers while a case attacks.
func (r *run) canary() *conn {
	c := r.dial(anyTransport(r.t), "the canary", true)
	c.connectNS(echoNS(r.t))
	return c
}

// canaryFine fails the case unless the canary still gets answers.
func (r *run) canaryFine(c *conn) {
	c.mustRoundTrip(echoNS(r.t), "the canary, another client, to keep getting answers")
}

// one is a case that runs once; each runs it once per transport, the ID
// suffixed with the transport's name.
func one(id, req string, timeout time.Duration, body func(r *run)) check.Case {
	return check.Case{ID: id, Requirement: req, Level: check.Must, Layer: check.LayerLimits, Timeout: timeout,
		Run: func(_ context.Context, t *check.T) { body(&run{t: t}) }}
}

func each(id, req string, timeout time.Duration, body func(r *run, tr transport)) []check.Case {
	var out []check.Case
	for _, tr := range transports {
		out = append(out, one(id+"/"+string(tr), req, timeout, func(r *run) {
			tr.require(r.t)
			body(r, tr)
		}))
	}
	return out
}
