package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/excerpt"
)

// runSteps runs steps in order; false when ctx ended the run meanwhile.
//
// A wait_for is armed before the step in front of it runs, so that an
// answer to an emit that arrives before the wait_for starts (the usual case
// on loopback) is not missed: `emit join` then `wait_for state` works.
func (v *vu) runSteps(ctx context.Context, steps []step) bool {
	for i := range steps {
		if ctx.Err() != nil {
			return false
		}
		v.armAhead(steps, i)
		if !v.runStep(ctx, &steps[i]) {
			return false
		}
	}
	return ctx.Err() == nil
}

// armAhead arms steps[i+1] when it is a wait_for (steps[0] when i is -1),
// unless steps[i] is a wait_for itself, whose own waiter must stay armed.
func (v *vu) armAhead(steps []step, i int) {
	if i >= 0 && steps[i].kind == stepWaitFor {
		return
	}
	if i+1 < len(steps) && steps[i+1].kind == stepWaitFor {
		v.arm(steps[i+1].wait)
	}
}

func (v *vu) runStep(ctx context.Context, st *step) bool {
	switch st.kind {
	case stepConnect:
		v.nsp = st.nsp
		v.connect(ctx)
	case stepEmit:
		v.emit(ctx, st.emit)
	case stepEmitWithAck:
		v.emitWithAck(ctx, st.emit)
	case stepWaitFor:
		v.waitFor(ctx, st.wait)
	case stepListen, stepThink:
		until, _ := v.waitUntil(st)
		v.sleep(ctx, until, nil)
	case stepLoop:
		return v.loop(ctx, st.loop)
	case stepDisconnect:
		v.drop(true)
	case stepReconnect:
		// A page reload: close, then the whole startup at once, no backoff.
		v.drop(true)
		v.connect(ctx)
	case stepVanish:
		v.vanish(ctx, st.d)
	case stepControl:
		v.control(ctx, st.control)
	}
	return ctx.Err() == nil
}

// ready reports whether the client can use its connection, reconnecting
// first when it has been lost (socket.io-client buffers emits made while
// reconnecting and sends them once connected; the wait counts in the
// measured latency). When the client has no connection it records why:
// step and name ("" for none) say what could not run. They come apart so
// that the hot path builds no string.
func (v *vu) ready(ctx context.Context, step, name string) bool {
	if v.state == stateUp {
		select {
		case <-v.sock.Disconnected():
			v.lost(ctx)
		default:
			return true
		}
	}
	if v.state == stateUp {
		return true
	}
	if ctx.Err() == nil {
		what := step
		if name != "" {
			what += " " + name
		}
		v.p.m.rec.Error(errDisconnected, fmt.Errorf("%s: the client is not connected", what))
	}
	return false
}

// args returns the arguments of an emit for this send, and their size.
func (v *vu) args(e *emitPlan) ([]any, error) {
	switch {
	case e.static != nil:
		return e.static, nil
	case e.slot >= 0:
		if a := v.cache[e.slot]; a != nil {
			return a, nil
		}
	}
	a := make([]any, len(e.args))
	for i, arg := range e.args {
		var err error
		if e.binary {
			a[i], err = arg.render(&v.td)
		} else {
			var raw []byte
			raw, err = arg.appendJSON(nil, &v.td)
			a[i] = json.RawMessage(raw)
		}
		if err != nil {
			return nil, fmt.Errorf("%s args[%d]: %w", e.event, i, err)
		}
	}
	if e.slot >= 0 {
		v.cache[e.slot] = a
	}
	return a, nil
}

// argsSize approximates the packet of an emit: 42["event",args…].
func argsSize(event string, args []any) int {
	n := len(event) + 6
	for _, a := range args {
		switch x := a.(type) {
		case json.RawMessage:
			n += len(x) + 1
		case []byte:
			n += len(x) + 30
		default:
			b, _ := json.Marshal(x)
			n += len(b) + 1
		}
	}
	return n
}

func (v *vu) emit(ctx context.Context, e *emitPlan) {
	if !v.ready(ctx, "emit", e.event) {
		return
	}
	a, err := v.args(e)
	if err != nil {
		v.p.m.rec.Error(errTemplate, err)
		return
	}
	if err := v.sock.Emit(ctx, e.event, a...); err != nil {
		if ctx.Err() == nil {
			v.p.m.rec.Error(errEmit, err)
		}
		return
	}
	e.em.sentOne(argsSize(e.event, a))
}

// emitWithAck sends and waits for the ack, recording ack from the
// intended send time: the send's own time minus the current rate-loop
// iteration's lateness (see loop), so that a client that falls behind its
// schedule reports the wait, not only the round trip.
func (v *vu) emitWithAck(ctx context.Context, e *emitPlan) {
	p := v.p
	if !v.ready(ctx, "emit_with_ack", e.event) {
		return
	}
	a, err := v.args(e)
	if err != nil {
		p.m.rec.Error(errTemplate, err)
		return
	}
	start := time.Now()
	pl, err := v.sock.EmitWithAckExpiring(ctx, v.p.acks.expiry(start, e.timeout), e.event, a...)
	took := time.Since(start)
	e.em.sentOne(argsSize(e.event, a))
	if err == nil && took > e.timeout {
		err = fmt.Errorf("%w: %q answered after %v, beyond its timeout %v", client.ErrAckTimeout, e.event, took, e.timeout)
	}
	if err != nil {
		v.ackFailed(ctx, e.event, err)
		return
	}
	e.ack.Record(took + v.debt)
	e.em.receivedOne(payloadSize("", pl))
	if e.expect != nil {
		v.expect(e, pl)
	}
}

// ackDeadlines hands out the channels that end ack waits
// (client.Socket.EmitWithAckExpiring). A context with a deadline per emit
// cost a timer and about a microsecond, and one per client, reused across
// its emits, about 1 KiB of every paced client's heap (issue 16: the
// context, its timer, its place among its parent's children). So a run's
// clients share them: for each timeout, the current one serves every wait
// that starts while at least timeout of it is left, and a new one good for
// 1.5·timeout replaces it then; the old ones end by their own deadline. The
// price is that a missing ack is given up on after between timeout and
// 1.5·timeout; an ack later than timeout counts as an ack_timeout anyway.
// The client's own context still ends its waits.
type ackDeadlines struct {
	mu  sync.Mutex
	cur map[time.Duration]ackDeadline
}

type ackDeadline struct {
	done <-chan struct{} // closed at at
	at   time.Time
}

// expiry returns a channel closed between timeout and 1.5·timeout after now.
func (a *ackDeadlines) expiry(now time.Time, timeout time.Duration) <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	d, ok := a.cur[timeout]
	if !ok || d.at.Sub(now) < timeout {
		if a.cur == nil {
			a.cur = map[time.Duration]ackDeadline{}
		}
		d.at = now.Add(timeout + timeout/2)
		done := make(chan struct{})
		time.AfterFunc(d.at.Sub(now), func() { close(done) })
		d.done = done
		a.cur[timeout] = d
	}
	return d.done
}

// expect checks an ack against emit_with_ack's expect: a subset match on
// its first argument. A static expect remembers the last first argument
// that matched (shared by every client: echoes are alike), so that an ack
// identical to it is not decoded again.
func (v *vu) expect(e *emitPlan, pl client.Payload) {
	p := v.p
	cacheable := e.expect.static() && len(pl.Args) > 0 && len(pl.Attachments) == 0
	if cacheable {
		if ok := e.okAck.Load(); ok != nil && bytes.Equal(*ok, pl.Args[0]) {
			return
		}
	}
	want, err := e.expect.render(&v.td)
	if err != nil {
		p.m.rec.Error(errTemplate, err)
		return
	}
	var got any
	if len(pl.Args) > 0 {
		if err := pl.Decode(&got); err != nil {
			p.m.rec.Error(errExpect, fmt.Errorf("ack of %s: %w", e.event, err))
			return
		}
	}
	if len(pl.Args) == 0 || !subset(want, got) {
		p.m.rec.Error(errExpect, fmt.Errorf("ack of %s: got %s, want it to contain %s", e.event, clip(pl.Args), clipValue(want)))
		return
	}
	if cacheable {
		raw := []byte(pl.Args[0])
		e.okAck.Store(&raw)
	}
}

// waiter is an armed wait_for: the read goroutine closes done when an
// event of that name matching the pattern arrives.
type waiter struct {
	plan  *waitPlan
	event string
	match any
	has   bool // match is set (nil matches null only)
	done  chan struct{}
}

// accepts runs on the read goroutine: a subset match on the first argument.
func (w *waiter) accepts(pl client.Payload) bool {
	if !w.has {
		return true
	}
	if len(pl.Args) == 0 {
		return false
	}
	var got any
	if pl.Decode(&got) != nil {
		return false
	}
	return subset(w.match, got)
}

// arm starts watching for w's event, rendering its match now.
func (v *vu) arm(w *waitPlan) {
	a := &waiter{plan: w, event: w.event, done: make(chan struct{})}
	if w.match != nil {
		m, err := w.match.render(&v.td)
		if err != nil {
			v.p.m.rec.Error(errTemplate, err)
			return
		}
		a.match, a.has = m, true
	}
	v.armed = a
	v.waiter.Store(a)
}

func (v *vu) waitFor(ctx context.Context, w *waitPlan) {
	a := v.armed
	v.armed = nil
	if a == nil || a.plan != w {
		v.arm(w)
		if a = v.armed; a == nil {
			return
		}
		v.armed = nil
	}
	defer v.waiter.CompareAndSwap(a, nil)
	if !v.ready(ctx, "wait_for", w.event) {
		return
	}
	switch v.sleep(ctx, time.Now().Add(w.timeout), a.done) {
	case wokeTime:
		v.p.m.rec.Error(errTimeout, fmt.Errorf("wait_for %s: nothing matching within %v", w.event, w.timeout))
	case wokeSignal, wokeDone:
	}
}

// waitUntil is when a listen or think step ends; ok is false for other
// steps.
//
// Listen: counting is always on (onEvent): every event received counts
// under messages_received and, carrying sent_ms, under push, whatever step
// the flow is at. A listen is the flow's way of staying for a while (for 0:
// until the run ends) and saying which events it expects; those show in
// the report even when none came.
//
// Think pauses: fixed, uniform in [min, max], or until a point of the run.
func (v *vu) waitUntil(st *step) (until time.Time, ok bool) {
	switch st.kind {
	case stepListen:
		if st.d > 0 {
			return time.Now().Add(st.d), true
		}
		return forever, true
	case stepThink:
		t := st.think
		switch {
		case t.Until > 0:
			return v.p.env.Start.Add(t.Until), true
		case t.Fixed > 0:
			return time.Now().Add(t.Fixed), true
		}
		d := t.Min
		if t.Max > t.Min {
			d += time.Duration(v.rng.Int64N(int64(t.Max-t.Min) + 1))
		}
		return time.Now().Add(d), true
	}
	return time.Time{}, false
}

// vanishGate holds a vanished client's read goroutine (see onRaw).
type vanishGate struct{ done chan struct{} }

// vanish goes silent for d (0: until the run ends) without closing TCP: the
// read goroutine stops at the next packet (no pong, nothing read: the
// server should drop the client after its ping timeout, EIO-5), the
// heartbeat stops, and the client notices nothing meanwhile. Afterwards it
// wakes up as a laptop does: a connection the server dropped is a loss, and
// the client reconnects (CLIENT-3).
func (v *vu) vanish(ctx context.Context, d time.Duration) {
	if !v.ready(ctx, "vanish", "") {
		return
	}
	g := &vanishGate{done: make(chan struct{})}
	v.gate.Store(g)
	v.p.hb.remove(v.hb)
	v.hb = nil
	until := forever
	if d > 0 {
		until = time.Now().Add(d)
	}
	v.sleep(ctx, until, nil)
	v.gate.Store(nil)
	close(g.done)
	if ctx.Err() != nil || v.state != stateUp {
		return
	}
	select {
	case <-v.sock.Disconnected():
		v.lost(ctx)
	default:
		if v.every > 0 {
			v.hb = v.p.hb.add(v.sock, v.every)
		}
	}
}

// clip shortens JSON a server sent for error messages (excerpt.Message).
func clip(args []json.RawMessage) string {
	if len(args) == 0 {
		return "no arguments"
	}
	return excerpt.Message(string(args[0]))
}

func clipValue(x any) string {
	b, err := json.Marshal(x)
	if err != nil {
		return fmt.Sprint(x)
	}
	return clip([]json.RawMessage{b})
}
