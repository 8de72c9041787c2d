package simulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptrace"
	"sync/atomic"
	"time"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// defaultHeartbeat is the heartbeat interval when neither the scenario nor
// the server sets one (SESS-1, open-webui's default).
const defaultHeartbeat = 30 * time.Second

// heartbeatArgs is the heartbeat's one argument, {} (SESS-1), shared.
var heartbeatArgs = []any{json.RawMessage(`{}`)}

// connect runs the CLIENT-1 startup: GET /api/config the first time (see
// configure), then establish.
func (v *vu) connect(ctx context.Context) bool {
	if !v.configured {
		v.configure(ctx)
	}
	return v.establish(ctx, time.Time{})
}

// configure fixes the client's transports and heartbeat interval, from the
// scenario and, unless fetch_config is off, GET /api/config (CLIENT-1,
// CLIENT-2, SESS-1): the scenario's transport when it is not the default,
// else websocket when the server has enable_websocket, polling with upgrade
// when it has not; client.heartbeat when set, else the server's
// websocket_heartbeat_interval, else 30s.
//
// /api/config is fetched once per target per process and shared (target.
// config): open-webui answers every client the same (the refserver's body is
// byte for byte the same), and what it says decides how clients connect, not
// what is measured. Realism would have every page load fetch it; that load
// is plain HTTP, which HTTP load tools measure better, and 50,000 identical
// requests would cost the generator more than the Socket.IO work it exists
// for. GET /api/version, on the other hand, is sent by every client on every
// connect with its token, as upstream's connect handler does.
func (v *vu) configure(ctx context.Context) {
	p := v.p
	v.configured = true
	v.mode = p.transport
	var cfg *serverConfig
	if p.fetchCfg {
		var err error
		cfg, err = v.tgt.config(ctx, p)
		if err != nil && ctx.Err() == nil {
			p.m.rec.Error(errConfig, err)
		}
	}
	if p.followServer && cfg != nil && cfg.websocket != nil && !*cfg.websocket {
		v.mode = client.PollingThenWebsocket
	}
	switch {
	case p.heartbeat > 0:
		v.every = p.heartbeat
	case p.heartbeat < 0:
		v.every = 0
	case cfg != nil && cfg.heartbeat > 0:
		v.every = cfg.heartbeat
	default:
		v.every = defaultHeartbeat
	}
	if v.flow.vanish {
		o := *p.opts[v.mode][v.src]
		o.OnRaw = v.onRaw
		v.opts = &o
	}
}

// attemptResult is how one connection attempt ended.
type attemptResult uint8

const (
	attemptOK        attemptResult = iota
	attemptFailed                  // retry with backoff (CLIENT-3)
	attemptRefused                 // CONNECT_ERROR: socket.io-client does not retry
	attemptCancelled               // ctx is done
)

// establish connects, retrying per CLIENT-3: after a loss (lost is when it
// was seen) it waits the backoff before the first attempt; a failed attempt
// waits the backoff before the next, up to client.reconnect.attempts. Every
// dial counts in connections, every dial after a loss or a failure in
// reconnects. After a loss it records reconnect (lost → connected again)
// and calls Env.OnRecovered.
func (v *vu) establish(ctx context.Context, lost time.Time) bool {
	p := v.p
	v.state = stateDown
	retry := !lost.IsZero()
	for attempt := 0; ; {
		if retry {
			if !p.reconnect || (p.attempts > 0 && attempt >= p.attempts) {
				if p.reconnect {
					p.m.rec.Error(errReconnect, fmt.Errorf("gave up after %d reconnection attempts", attempt))
				}
				v.state = stateLost
				return false
			}
			d := p.backoff.Next(attempt, v.rng)
			attempt++
			if v.sleep(ctx, time.Now().Add(d), nil) == wokeDone {
				return false
			}
			p.m.reconnects.Inc()
		}
		switch v.attempt(ctx) {
		case attemptOK:
			if !lost.IsZero() {
				p.m.reconnect.Record(v.upAt.Sub(lost))
				if f := p.env.OnRecovered; f != nil {
					f(v.index, lost, v.upAt)
				}
			}
			v.afterConnect(ctx)
			return true
		case attemptRefused:
			v.state = stateLost
			return false
		case attemptCancelled:
			return false
		}
		retry = true
	}
}

// attempt dials once and connects the namespace with the client's auth.
// connect_tcp and handshake run from the dial's start (moved back by the
// client's start lag on its first dial), sio_connect from sending CONNECT.
func (v *vu) attempt(ctx context.Context) attemptResult {
	p := v.p
	defer v.start.Connected()
	opts := v.opts
	if opts == nil {
		opts = p.opts[v.mode][v.src]
	}
	p.m.connections.Inc()
	p.m.connecting.Add(1)
	defer p.m.connecting.Add(-1)
	ref := time.Now().Add(-v.startLag)
	v.startLag = 0
	var upgraded atomic.Bool
	trace := &httptrace.ClientTrace{GotFirstResponseByte: func() {
		if upgraded.CompareAndSwap(false, true) {
			p.m.connectTCP.Record(time.Since(ref))
		}
	}}
	conn, err := client.Dial(httptrace.WithClientTrace(ctx, trace), v.tgt.base, opts)
	if err != nil {
		if ctx.Err() != nil {
			return attemptCancelled
		}
		p.m.rec.Error(errDial, err)
		v.tgt.health.failed(err)
		return attemptFailed
	}
	v.tgt.health.up()
	p.m.handshake.Record(time.Since(ref))
	sock := conn.Socket(v.nsp)
	sock.OnAny(v.onEvent)
	sock.OnEventPeek(v.peekEvent)
	cctx, cancel := context.WithTimeout(ctx, p.dialTO)
	sent := time.Now()
	err = sock.Connect(cctx, v.auth())
	cancel()
	if err != nil {
		conn.Close()
		var ce *client.ConnectError
		switch {
		case ctx.Err() != nil:
			return attemptCancelled
		case errors.As(err, &ce):
			p.m.rec.Error(errConnectError, err)
			return attemptRefused
		}
		p.m.rec.Error(errConnect, err)
		return attemptFailed
	}
	v.upAt = time.Now()
	p.m.sioConnect.Record(v.upAt.Sub(sent))
	v.conn, v.sock, v.state = conn, sock, stateUp
	p.m.clients.Add(1)
	return attemptOK
}

// afterConnect is the rest of upstream's connect handler (CLIENT-1): GET
// /api/version with the token, the heartbeat timer (CLIENT-5: it restarts
// on every connect), and user-join with the token.
func (v *vu) afterConnect(ctx context.Context) {
	p := v.p
	if p.fetchCfg {
		if err := getJSON(ctx, p.http, v.tgt.base+"/api/version", v.token, p.dialTO, nil); err != nil && ctx.Err() == nil {
			p.m.rec.Error(errVersion, err)
		}
	}
	if v.every > 0 && v.state == stateUp {
		v.hb = p.hb.add(v.sock, v.every)
	}
	if p.userJoin && v.token != "" && v.state == stateUp {
		v.userJoin(ctx)
	}
}

// userJoin emits user-join {auth:{token}} and waits for its ack (AUTH-4),
// recording user_join; an ack without arguments means the token was refused.
func (v *vu) userJoin(ctx context.Context) {
	p := v.p
	arg, _ := json.Marshal(map[string]any{"auth": map[string]string{"token": v.token}})
	em := p.m.event("user-join")
	actx, cancel := context.WithTimeout(ctx, p.ackTimeout)
	start := time.Now()
	pl, err := v.sock.EmitWithAck(actx, "user-join", json.RawMessage(arg))
	cancel()
	em.sentOne(len("user-join") + len(arg) + 8)
	if err != nil {
		v.ackFailed(ctx, "user-join", err)
		return
	}
	p.m.userJoin.Record(time.Since(start))
	em.receivedOne(payloadSize("", pl))
	if len(pl.Args) == 0 {
		p.m.rec.Error(errUserJoin, errors.New("user-join acked without a user: the server refused the token (AUTH-4)"))
	}
}

// ackFailed counts a failed emit_with_ack or user-join by its cause.
func (v *vu) ackFailed(ctx context.Context, event string, err error) {
	switch {
	case ctx.Err() != nil:
	case errors.Is(err, client.ErrAckTimeout):
		v.p.m.rec.Error(errAckTimeout, err)
	case errors.Is(err, client.ErrDisconnected), errors.Is(err, client.ErrClosed), errors.Is(err, client.ErrNotConnected):
		v.p.m.rec.Error(errDisconnected, fmt.Errorf("%s: %w", event, err))
	default:
		v.p.m.rec.Error(errEmit, err)
	}
}

// lost handles the end of the client's connection that the client did not
// ask for: CLIENT-4 decides whether to reconnect (not after the server's
// DISCONNECT, nor with reconnection off).
func (v *vu) lost(ctx context.Context) {
	now := time.Now()
	reason := v.sock.Reason()
	v.drop(false)
	if ctx.Err() != nil {
		return
	}
	if reason == client.ReasonServerDisconnect || !v.p.reconnect {
		v.state = stateLost
		return
	}
	v.establish(ctx, now)
}

// drop ends the current connection, if any: the heartbeat stops (CLIENT-5),
// a clean drop sends DISCONNECT first (SIO-7), and the Conn is closed.
func (v *vu) drop(clean bool) {
	p := v.p
	if v.hb != nil {
		p.hb.remove(v.hb)
		v.hb = nil
	}
	if v.conn == nil {
		return
	}
	if v.state == stateUp {
		p.m.clients.Add(-1)
		p.m.disconnects.Inc()
	}
	if clean && v.sock.Connected() {
		// Bounded: a server that stopped reading must not hold the client.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = v.sock.EmitRaw(ctx, socketio.Packet{Type: socketio.Disconnect, ID: socketio.NoID}, nil)
		cancel()
	}
	v.conn.Close()
	v.conn, v.sock = nil, nil
	v.state = stateDown
}

// sendHeartbeat is the scheduler's fire function: one heartbeat {} on the
// item's socket (SESS-1). A socket that has gone refuses it; nothing counts.
func (p *plan) sendHeartbeat(it *hbItem) {
	if it.sock == nil {
		return
	}
	if it.sock.Emit(context.Background(), "heartbeat", heartbeatArgs...) == nil {
		p.m.event("heartbeat").sentOne(len(`42["heartbeat",{}]`))
	}
}

// onEvent runs on the read goroutine for every event the server sends: it
// counts it, records push latency when it carries sent_ms, hands it to a
// waiting wait_for, and acks a server→client call with no arguments
// (CHAT-2) so that the server does not wait for its timeout. It does not
// block.
func (v *vu) onEvent(ev client.Event) {
	var first []byte
	if len(ev.Args) > 0 {
		first = ev.Args[0]
	}
	v.p.m.event(ev.Name).received(payloadSize(ev.Name, ev.Payload), first)
	if w := v.waiter.Load(); w != nil && w.event == ev.Name && w.accepts(ev.Payload) {
		if v.waiter.CompareAndSwap(w, nil) {
			close(w.done)
		}
	}
	if ev.WantsAck() {
		_ = ev.Ack()
	}
}

// peekEvent is onEvent for an event nothing waits for (no wait_for in
// progress; the client peeks only events that want no ack): it counts the
// event and records its push latency on the read goroutine, before the
// event is decoded, and the client neither decodes it nor hands it to a
// pooled goroutine (issue 16). With a wait_for in progress it declines, and
// onEvent sees the event decoded.
func (v *vu) peekEvent(ev client.PeekedEvent) bool {
	if v.waiter.Load() != nil {
		return false
	}
	em := v.lastEvent
	if em == nil || em.name != string(ev.Name) { // the comparison does not allocate
		em = v.p.m.event(string(ev.Name))
		v.lastEvent = em
	}
	em.received(ev.Size, ev.FirstArg)
	return true
}

// received counts a received event and records its push latency when its
// first argument carries sent_ms.
func (e *eventMetrics) received(size int, first []byte) {
	e.receivedOne(size)
	if ms, ok := sentMS(first); ok {
		e.pushTimer().Record(time.Duration(time.Now().UnixMicro()-ms*1000) * time.Microsecond)
	}
}

// onRaw runs on the read goroutine for every packet (flows with vanish
// only): while the client has vanished it blocks the read goroutine, so
// that nothing is read or answered (no pong: the server's ping timeout
// closes the session, EIO-5) and the socket's buffers fill, as with a
// suspended laptop. The flow releases it when the vanish ends or the run
// does.
func (v *vu) onRaw(dir client.Direction, _ engineio.Packet) {
	if dir != client.Received {
		return
	}
	if g := v.gate.Load(); g != nil {
		<-g.done
	}
}

// payloadSize approximates the Socket.IO packet of an event: its name, its
// JSON arguments and its attachments (framing excluded).
func payloadSize(name string, pl client.Payload) int {
	n := len(name) + 4
	for _, a := range pl.Args {
		n += len(a) + 1
	}
	for _, b := range pl.Attachments {
		n += len(b)
	}
	return n
}
