package refserver

import (
	"net/http"
	"sync"

	"github.com/stampede-sio/stampede/refserver/engine"
	"github.com/stampede-sio/stampede/refserver/limit"
	"github.com/stampede-sio/stampede/refserver/metrics"
)

// serverMetrics turns the engine and sio counters into Prometheus families
// at scrape time, so that the hot paths touch only their own atomics.
type serverMetrics struct {
	reg *metrics.Registry
	srv *Server

	mu       sync.Mutex // one scrape at a time: counters advance by deltas
	sessions *metrics.GaugeVec
	packets  *metrics.CounterVec
	bytes    *metrics.CounterVec
	failures *metrics.CounterVec
	limits   *metrics.CounterVec
	last     map[*metrics.Counter]uint64
}

func newServerMetrics(s *Server) *serverMetrics {
	reg := metrics.New()
	metrics.RegisterProcessCollector(reg)
	metrics.RegisterGoCollector(reg)
	m := &serverMetrics{
		reg:      reg,
		srv:      s,
		sessions: reg.NewGaugeVec("stampede_sessions", "Open Engine.IO sessions by current transport.", "transport"),
		packets:  reg.NewCounterVec("stampede_packets_total", "Engine.IO packets received (in) and queued to clients (out).", "direction"),
		bytes:    reg.NewCounterVec("stampede_bytes_total", "Engine.IO payload bytes read and written.", "direction"),
		failures: reg.NewCounterVec("stampede_handshake_failures_total", "Requests refused at or before the handshake, by reason.", "reason"),
		limits:   reg.NewCounterVec("stampede_limit_closes_total", "Connections closed or requests refused by a limit of PROTOCOL.md section 12.", "limit"),
		last:     make(map[*metrics.Counter]uint64),
	}
	sio := s.sio.Stats()
	reg.NewGaugeFunc("stampede_connections", "Open websocket connections, upgrade probes included.", func() float64 {
		return float64(s.app.Stats().Connections.Load() + s.raw.Stats().Connections.Load())
	})
	reg.NewGaugeFunc("stampede_sockets", "Connected Socket.IO sockets (one per namespace per session).", func() float64 {
		return float64(sio.Sockets.Load())
	})
	reg.NewCounterFunc("stampede_handshakes_total", "Engine.IO sessions opened.", func() float64 {
		return float64(s.app.Stats().Handshakes.Load() + s.raw.Stats().Handshakes.Load())
	})
	reg.NewCounterFunc("stampede_broadcasts_total", "Room broadcasts sent.", func() float64 { return float64(sio.Broadcasts.Load()) })
	reg.NewCounterFunc("stampede_broadcast_deliveries_total", "Sockets reached by room broadcasts.", func() float64 {
		return float64(sio.Deliveries.Load())
	})
	reg.NewCounterFunc("stampede_protocol_errors_total", "Connections closed for a malformed Socket.IO packet (SIO-6).", func() float64 {
		return float64(sio.Protocol.Load())
	})
	if s.scale != nil {
		registerScaleMetrics(reg, s)
	}
	return m
}

// registerScaleMetrics exports the Redis mode's health (SCALE-3: a lost
// Redis is visible) and which reapers this instance runs (SESS-5).
func registerScaleMetrics(reg *metrics.Registry, s *Server) {
	st := s.scale.broker.Stats()
	counter := func(name, help string, v interface{ Load() uint64 }) {
		reg.NewCounterFunc(name, help, func() float64 { return float64(v.Load()) })
	}
	reg.NewGaugeFunc("stampede_redis_subscribed", "1 while the Redis pub/sub subscription is live, else 0 (SCALE-3).", func() float64 {
		if st.Subscribed.Load() {
			return 1
		}
		return 0
	})
	counter("stampede_redis_published_total", "Messages published to other instances.", &st.Published)
	counter("stampede_redis_publish_errors_total", "Publications Redis did not take, each retried until sent (SCALE-3); messages lost are in stampede_redis_dropped_total.", &st.PublishErrors)
	counter("stampede_redis_dropped_total", "Messages dropped because the publish queue was full.", &st.Dropped)
	counter("stampede_redis_received_total", "Messages from other instances handled.", &st.Received)
	counter("stampede_redis_skipped_total", "Room messages skipped: no local member in the room.", &st.Skipped)
	counter("stampede_redis_bad_messages_total", "Messages on the channel that could not be decoded.", &st.BadMessages)
	counter("stampede_redis_subscription_losses_total", "Times the subscription was lost and renewed (SCALE-3).", &st.Reconnects)
	if s.webui != nil {
		rs := s.webui.ReaperStats()
		reg.NewGaugeFunc("stampede_session_reaper_lock_held", "1 when this instance holds the session reaper's lock (SESS-5).", func() float64 {
			return b2f(rs.SessionLockHeld.Load())
		})
		reg.NewGaugeFunc("stampede_usage_reaper_lock_held", "1 when this instance holds the usage reaper's lock (SESS-5).", func() float64 {
			return b2f(rs.UsageLockHeld.Load())
		})
		counter("stampede_reaper_lock_errors_total", "Reaper lock operations that failed to reach Redis.", &rs.LockErrors)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// collect brings the labelled families up to date with the engines' counters.
func (m *serverMetrics) collect() {
	engines := []*engine.Stats{m.srv.app.Stats(), m.srv.raw.Stats()}
	var ws, polling int64
	var pin, pout, bin, bout uint64
	var fails [16]uint64
	for _, st := range engines {
		ws += st.SessionsWebsocket.Load()
		polling += st.SessionsPolling.Load()
		pin += st.PacketsIn.Load()
		pout += st.PacketsOut.Load()
		bin += st.BytesIn.Load()
		bout += st.BytesOut.Load()
		for i := range st.Failures {
			fails[i] += st.Failures[i].Load()
		}
	}
	m.sessions.With("websocket").Set(float64(ws))
	m.sessions.With("polling").Set(float64(polling))
	m.advance(m.packets.With("in"), pin)
	m.advance(m.packets.With("out"), pout)
	m.advance(m.bytes.With("in"), bin)
	m.advance(m.bytes.With("out"), bout)
	for _, f := range engine.FailureReasons() {
		m.advance(m.failures.With(f.String()), fails[f])
	}
	for _, id := range limit.IDs() {
		c := m.limits.With(id.String()) // every limit is exported, at 0 until hit
		m.advance(c, m.srv.limits.Count(id))
	}
}

func (m *serverMetrics) advance(c *metrics.Counter, total uint64) {
	if d := total - m.last[c]; total > m.last[c] {
		c.Add(d)
		m.last[c] = total
	}
}

func (m *serverMetrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.collect()
	m.mu.Unlock()
	m.reg.Handler().ServeHTTP(w, r)
}

func (s *Server) metricsHandler() http.Handler { return newServerMetrics(s) }
