package simulator

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/simulator/metrics"
)

// The error kinds clients count under threshold.MetricErrors.
const (
	errConfig       = "config"        // GET /api/config failed
	errVersion      = "version"       // GET /api/version failed
	errToken        = "token"         // a token could not be minted or auth.user not rendered
	errDial         = "dial"          // TCP, websocket upgrade or Engine.IO handshake failed
	errConnectError = "connect_error" // the server refused the Socket.IO CONNECT (CONNECT_ERROR)
	errConnect      = "connect"       // CONNECT went unanswered or the connection died meanwhile
	errUserJoin     = "user_join"     // user-join acked without a user (the token was refused)
	errAckTimeout   = "ack_timeout"   // no ack within the timeout (emit_with_ack, user-join)
	errDisconnected = "disconnected"  // a step needed a connection the client had lost for good, or lost it while waiting
	errExpect       = "expect"        // an ack did not match expect
	errTimeout      = "timeout"       // wait_for saw no matching event in time
	errEmit         = "emit"          // an event could not be written
	errTemplate     = "template"      // a template failed at run time (e.g. a missing data column)
	errControl      = "control"       // a control call failed or was refused
	errReconnect    = "reconnect"     // reconnection attempts ran out (client.reconnect.attempts)
)

// maxEventNames bounds the distinct event names a run tracks (a server can
// send any name); the rest are counted under otherEvent.
const (
	maxEventNames = 1000
	otherEvent    = "(other)"
)

// clientMetrics are the handles every client records through, resolved once
// per Env.
type clientMetrics struct {
	rec                                         *metrics.Recorder
	connectTCP, handshake, sioConnect, userJoin *metrics.Timer
	reconnect, lag                              *metrics.Timer
	connections, disconnects, reconnects        *metrics.Counter
	starts, startsDelayed, startsDropped        *metrics.Counter
	clients, connecting                         *metrics.Gauge

	events sync.Map // event name → *eventMetrics
	nnames atomic.Int32
	acks   sync.Map // tag → *metrics.Timer
}

func newClientMetrics(rec *metrics.Recorder) *clientMetrics {
	return &clientMetrics{
		rec:           rec,
		connectTCP:    rec.Timer(threshold.MetricConnectTCP),
		handshake:     rec.Timer(threshold.MetricHandshake),
		sioConnect:    rec.Timer(threshold.MetricSIOConnect),
		userJoin:      rec.Timer(threshold.MetricUserJoin),
		reconnect:     rec.Timer(threshold.MetricReconnect),
		lag:           rec.Timer(threshold.MetricLag),
		connections:   rec.Counter(threshold.MetricConnections),
		disconnects:   rec.Counter(threshold.MetricDisconnects),
		reconnects:    rec.Counter(threshold.MetricReconnects),
		starts:        rec.Counter(threshold.MetricStarts),
		startsDelayed: rec.Counter(threshold.MetricStartsDelayed),
		startsDropped: rec.Counter(threshold.MetricStartsDropped),
		clients:       rec.Gauge(threshold.MetricClients),
		connecting:    rec.Gauge(threshold.MetricConnecting),
	}
}

// eventMetrics are the per-event counters and the push timer of one event
// name. Each is resolved on first use, so that a report lists
// messages_sent only for events sent and messages_received only for events
// received (or listened for).
type eventMetrics struct {
	name string
	rec  *metrics.Recorder
	sent atomic.Pointer[counterPair]   // messages_sent, bytes_sent
	recv atomic.Pointer[counterPair]   // messages_received, bytes_received
	push atomic.Pointer[metrics.Timer] // push
}

// counterPair is a message count and its bytes.
type counterPair struct{ n, bytes *metrics.Counter }

// event returns the metrics of event name, creating them on first use. The
// lookup is a sync.Map read: no lock and no allocation once created.
func (m *clientMetrics) event(name string) *eventMetrics {
	if e, ok := m.events.Load(name); ok {
		return e.(*eventMetrics)
	}
	if m.nnames.Load() >= maxEventNames && name != otherEvent {
		return m.event(otherEvent)
	}
	got, loaded := m.events.LoadOrStore(name, &eventMetrics{name: name, rec: m.rec})
	if !loaded {
		m.nnames.Add(1)
	}
	return got.(*eventMetrics)
}

func (e *eventMetrics) pair(p *atomic.Pointer[counterPair], count, bytes string) *counterPair {
	if c := p.Load(); c != nil {
		return c
	}
	c := &counterPair{e.rec.Counter(count, threshold.TagEvent, e.name), e.rec.Counter(bytes, threshold.TagEvent, e.name)}
	p.Store(c) // a racing store holds the same handles
	return c
}

// listened makes the event's received counters exist (showing 0 when
// nothing came).
func (e *eventMetrics) listened() {
	e.pair(&e.recv, threshold.MetricMessagesReceived, threshold.MetricBytesReceived)
}

// ackTimer returns the ack timer of a tag.
func (m *clientMetrics) ackTimer(tag string) *metrics.Timer {
	if t, ok := m.acks.Load(tag); ok {
		return t.(*metrics.Timer)
	}
	t, _ := m.acks.LoadOrStore(tag, m.rec.Timer(threshold.MetricAck, threshold.TagEvent, tag))
	return t.(*metrics.Timer)
}

func (e *eventMetrics) pushTimer() *metrics.Timer {
	if t := e.push.Load(); t != nil {
		return t
	}
	t := e.rec.Timer(threshold.MetricPush, threshold.TagEvent, e.name)
	e.push.Store(t)
	return t
}

// sentOne counts one event sent with its packet size.
func (e *eventMetrics) sentOne(size int) {
	c := e.pair(&e.sent, threshold.MetricMessagesSent, threshold.MetricBytesSent)
	c.n.Inc()
	c.bytes.Add(int64(size))
}

// receivedOne counts one event (or ack) received with its size.
func (e *eventMetrics) receivedOne(size int) {
	c := e.pair(&e.recv, threshold.MetricMessagesReceived, threshold.MetricBytesReceived)
	c.n.Inc()
	c.bytes.Add(int64(size))
}

// recordLag records how late a timer-driven action started (generator lag).
func (m *clientMetrics) recordLag(intended, now time.Time) {
	if d := now.Sub(intended); d > 0 {
		m.lag.Record(d)
	} else {
		m.lag.Record(0)
	}
}
