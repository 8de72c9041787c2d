package simulator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/scenarios"
	"github.com/stampede-sio/stampede/simulator/schedule"
)

// StartVU runs virtual client s.Index, whose start was intended at
// s.Intended (a schedule.StartFunc). It picks the client's flow by weight with the client's own
// random source (seeded with Env.Seed and index), gets its token, runs the
// flow (after the implicit CLIENT-1 connect unless the flow starts with
// connect), and, when the flow ends connected, stays connected — answering
// pings, sending heartbeats, reconnecting per CLIENT-3 — until ctx is done.
// It returns when the client has finished or, promptly, once ctx is done,
// with its connection closed.
//
// The executors record the start's lateness (actual − intended) as the lag
// metric; StartVU measures the first connection's connect_tcp and handshake
// from the dial moved back by that lateness, so that an overloaded generator
// shows as latency. It frees the executor's dial slot (s.Connected) once
// the first connection attempt has completed, and parks the client when s
// lets it detach (vu_park.go).
func (e *Env) StartVU(ctx context.Context, s *schedule.Start) {
	defer s.Connected()
	if err := e.Prepare(); err != nil {
		return // Run reports a bad setup before starting anyone
	}
	v, ok := e.plan.newVU(s.Index, s.Intended)
	if !ok {
		return
	}
	v.start = s
	if !v.run(ctx) {
		v.close()
	}
}

// connState is where a client's connection stands.
type connState uint8

const (
	stateDown connState = iota // not connected, and not meant to be (before connect, after disconnect)
	stateUp                    // connected
	stateLost                  // meant to be connected but given up on (CLIENT-4, attempts exhausted, refused)
)

// vu is one virtual client. Everything here belongs to the client's own
// goroutine except the fields marked as shared with the connection's read
// goroutine (which runs onEvent and onRaw).
type vu struct {
	p     *plan
	index int
	flow  *flowPlan
	pcg   rand.PCG
	rng   *rand.Rand
	td    scenarios.TemplateData
	token string
	tgt   *target
	src   int // index into plan.sources

	// Connection settings, fixed at the first connect.
	configured bool
	// relost: the last sleep handled a lost connection (reconnected or
	// tried to): its lateness is the server's, not the generator's lag.
	relost   bool
	mode     client.Transports
	every    time.Duration   // heartbeat interval; 0 off
	opts     *client.Options // own Options (vanish flows), else nil
	nsp      string
	startLag time.Duration // how late the client started; consumed by the first dial

	conn  *client.Conn
	sock  *client.Socket
	state connState
	upAt  time.Time // when the current connection's CONNECT was answered
	hb    *hbItem
	timer *time.Timer
	debt  time.Duration // lateness of the current rate-loop iteration (see loop)
	cache [][]any       // per-client rendered arguments, by emitPlan.slot
	armed *waiter       // a wait_for armed ahead of its step (see runSteps)
	// lastEvent is the metrics of the last event peekEvent counted, so that
	// the next of the same name is counted without a lookup that allocates.
	lastEvent *eventMetrics
	// start is the executor's handle on the client (its dial slot, and
	// whether it may detach); nil when run outside an executor.
	start *schedule.Start
	// finished tells the executor the client has finished, once it has
	// parked (vu_park.go); nil until then.
	finished func()

	// Shared with the read goroutine.
	waiter atomic.Pointer[waiter]     // the wait_for in progress
	gate   atomic.Pointer[vanishGate] // set while vanished
}

// newVU sets up client index: flow, template data, token.
func (p *plan) newVU(index int, intended time.Time) (*vu, bool) {
	v := &vu{p: p, index: index, nsp: p.nsp}
	v.pcg.Seed(p.env.Seed, uint64(index))
	v.rng = rand.New(&v.pcg)
	v.flow, v.td = p.identity(index, v.rng)
	v.tgt = p.targets[index%len(p.targets)]
	if len(p.sources) > 0 {
		v.src = index % len(p.sources)
	}
	if lag := time.Since(intended); lag > 0 {
		v.startLag = lag
	}
	if v.flow.slots > 0 {
		v.cache = make([][]any, v.flow.slots)
	}
	if err := v.authenticate(); err != nil {
		p.m.rec.Error(errToken, err)
		return nil, false
	}
	return v, true
}

// identity is client index's flow, picked by weight with the first draw of
// rng (the client's own source), and its template data.
func (p *plan) identity(index int, rng *rand.Rand) (*flowPlan, scenarios.TemplateData) {
	flow := p.pick(rng.IntN(p.total))
	td := scenarios.TemplateData{Index: index, Flow: flow.name, Vars: p.vars}
	if data := p.env.Data; len(data) > 0 {
		td.Data = make(map[string]map[string]string, len(data))
		for name, rows := range data {
			td.Data[name] = rows[index%len(rows)]
		}
	}
	return flow, td
}

// authenticate gets the client's token per auth mode (PROTOCOL.md section
// 3): minted for the user auth.user names (before the run when Premint
// did), the file's line index mod lines, or none. The same token is sent
// on every reconnect (CLIENT-3).
func (v *vu) authenticate() error {
	p := v.p
	switch p.mode {
	case scenarios.AuthMint:
		if m, ok := p.minted.take(v.index); ok {
			v.td.User, v.token = m.user, m.token
			return nil
		}
		var err error
		v.td.User, v.token, err = p.mint(v.index, &v.td, time.Now())
		return err
	case scenarios.AuthFile:
		v.token = p.env.Tokens[v.index%len(p.env.Tokens)]
	}
	return nil
}

// mint renders auth.user for a client and signs its token.
func (p *plan) mint(index int, td *scenarios.TemplateData, now time.Time) (user, token string, err error) {
	return p.mintUntil(index, td, now, nil)
}

// maxUser bounds what auth.user may render: a user id, not a payload.
const maxUser = 4 << 10

// errStopped ends a rendering that Premint gave up on.
var errStopped = errors.New("stopped")

// userWriter takes auth.user's output, failing beyond maxUser bytes or
// once stop is set (text/template stops at a failed write).
type userWriter struct {
	buf  *bytes.Buffer
	stop *atomic.Bool // nil: never
}

func (w userWriter) Write(b []byte) (int, error) {
	switch {
	case w.stop != nil && w.stop.Load():
		return 0, errStopped
	case w.buf.Len()+len(b) > maxUser:
		return 0, fmt.Errorf("auth.user: renders more than %d bytes", maxUser)
	}
	return w.buf.Write(b)
}

// mintUntil is mint, its rendering stopped once stop (may be nil) is set.
func (p *plan) mintUntil(index int, td *scenarios.TemplateData, now time.Time, stop *atomic.Bool) (user, token string, err error) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	err = p.user.Execute(userWriter{buf, stop}, td)
	user = buf.String()
	bufPool.Put(buf)
	if err != nil {
		return "", "", err
	}
	token, err = mintToken(p.env.Secret, user, p.ttl, now)
	return user, token, err
}

// auth is the CONNECT payload: {token} (SIO-2), or none.
func (v *vu) auth() any {
	if v.token == "" {
		return nil
	}
	return struct {
		Token string `json:"token"`
	}{v.token}
}

// run runs the flow, then holds the connection until ctx is done; it
// reports whether the client parked (vu_park.go), when the caller's
// goroutine is no longer the client's.
func (v *vu) run(ctx context.Context) bool {
	if !v.flow.connectFirst {
		v.armAhead(v.flow.steps, -1)
		ok := v.connect(ctx)
		v.start.Connected()
		if !ok && ctx.Err() != nil {
			return false
		}
	}
	return v.runFrom(ctx, 0)
}

// runFrom runs the flow's top-level steps from i, then holds; it reports
// whether the client parked. Top-level waits (listen, think) park when they
// can, and so do top-level rate loops between iterations and the hold.
func (v *vu) runFrom(ctx context.Context, i int) bool {
	steps := v.flow.steps
	for ; i < len(steps); i++ {
		if ctx.Err() != nil {
			return false
		}
		v.armAhead(steps, i)
		st := &steps[i]
		if until, ok := v.waitUntil(st); ok {
			if v.park(ctx, until, i+1) {
				return true
			}
			v.sleep(ctx, until, nil)
			continue
		}
		if st.kind == stepLoop && st.loop.rate > 0 {
			ok, parked := v.loopFrom(ctx, v.startLoop(st.loop), i)
			if parked {
				return true
			}
			if !ok {
				return false
			}
			continue
		}
		if !v.runStep(ctx, st) {
			return false
		}
	}
	if ctx.Err() != nil {
		return false
	}
	if v.state == stateUp && v.park(ctx, forever, parkHold) {
		return true
	}
	v.hold(ctx)
	return false
}

// hold keeps a connected client connected (heartbeats run on the shared
// scheduler, pings are answered by the read goroutine) until ctx is done,
// reconnecting after losses.
func (v *vu) hold(ctx context.Context) {
	for v.state == stateUp {
		select {
		case <-ctx.Done():
			return
		case <-v.sock.Disconnected():
			v.lost(ctx)
		}
	}
}

// wake says why sleep returned.
type wake uint8

const (
	wokeTime   wake = iota // the time came
	wokeSignal             // the signal channel fired
	wokeDone               // ctx is done
)

// sleep waits until t, the signal, or ctx, whichever comes first. While it
// waits, a lost connection is handled (reconnected per CLIENT-3) unless the
// client has vanished, when nothing is noticed. The timer is the client's
// one reusable timer.
func (v *vu) sleep(ctx context.Context, t time.Time, signal <-chan struct{}) wake {
	v.relost = false
	for {
		d := time.Until(t)
		if d <= 0 {
			select {
			case <-signal: // a signal that came in time wins over the deadline
				return wokeSignal
			default:
				return wokeTime
			}
		}
		if v.timer == nil {
			v.timer = time.NewTimer(d)
		} else {
			v.timer.Reset(d)
		}
		var lost <-chan struct{}
		if v.state == stateUp && v.gate.Load() == nil {
			lost = v.sock.Disconnected()
		}
		select {
		case <-ctx.Done():
			v.timer.Stop()
			return wokeDone
		case <-signal:
			v.timer.Stop()
			return wokeSignal
		case <-v.timer.C:
			return wokeTime
		case <-lost:
			v.timer.Stop()
			v.lost(ctx)
			v.relost = true // after lost: its backoff sleeps reset it
		}
	}
}

// forever is a deadline beyond any run.
var forever = time.Now().Add(100 * 365 * 24 * time.Hour)

// close ends the client: its connection closed, its heartbeat unscheduled.
func (v *vu) close() {
	if g := v.gate.Swap(nil); g != nil {
		close(g.done)
	}
	v.waiter.Store(nil)
	v.drop(true)
	if v.timer != nil {
		v.timer.Stop()
	}
}
