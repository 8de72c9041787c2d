package refserver

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/stampede-sio/stampede/refserver/engine"
	"github.com/stampede-sio/stampede/refserver/limit"
)

// metricsHandler serves GET /metrics through prometheus/client_golang. The
// hot paths keep counting in their own atomics (engine.Stats, sio.Stats,
// limit.Reporter, broker.Stats); the registry only reads them at scrape
// time, through Func metrics and engineCollector, so serving metrics adds
// nothing to a packet's path.
func (s *Server) metricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(),
		newEngineCollector(s),
	)
	registerFuncMetrics(reg, s)
	if s.scale != nil {
		registerScaleMetrics(reg, s)
	}
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
}

// counterFunc and gaugeFunc register one unlabelled series read at scrape time.
func counterFunc(reg prometheus.Registerer, name, help string, fn func() float64) {
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, fn))
}

func gaugeFunc(reg prometheus.Registerer, name, help string, fn func() float64) {
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, fn))
}

// load adapts an atomic counter to a Func metric.
func load(v interface{ Load() uint64 }) func() float64 {
	return func() float64 { return float64(v.Load()) }
}

func registerFuncMetrics(reg prometheus.Registerer, s *Server) {
	sio := s.sio.Stats()
	gaugeFunc(reg, "stampede_connections", "Open websocket connections, upgrade probes included.", func() float64 {
		return float64(s.app.Stats().Connections.Load() + s.raw.Stats().Connections.Load())
	})
	gaugeFunc(reg, "stampede_sockets", "Connected Socket.IO sockets (one per namespace per session).", func() float64 {
		return float64(sio.Sockets.Load())
	})
	counterFunc(reg, "stampede_handshakes_total", "Engine.IO sessions opened.", func() float64 {
		return float64(s.app.Stats().Handshakes.Load() + s.raw.Stats().Handshakes.Load())
	})
	counterFunc(reg, "stampede_websocket_writes_total", "Websocket writes: each carries the frames queued when it began, so packets out per write is the coalescing.", func() float64 {
		return float64(s.app.Stats().Batches.Load() + s.raw.Stats().Batches.Load())
	})
	counterFunc(reg, "stampede_broadcasts_total", "Room broadcasts sent.", load(&sio.Broadcasts))
	counterFunc(reg, "stampede_broadcast_deliveries_total", "Sockets reached by room broadcasts.", load(&sio.Deliveries))
	counterFunc(reg, "stampede_protocol_errors_total", "Connections closed for a malformed Socket.IO packet (SIO-6).", load(&sio.Protocol))
}

// registerScaleMetrics exports the Redis mode's health (SCALE-3: a lost
// Redis is visible) and which reapers this instance runs (SESS-5).
func registerScaleMetrics(reg prometheus.Registerer, s *Server) {
	st := s.scale.broker.Stats()
	gaugeFunc(reg, "stampede_redis_subscribed", "1 while the Redis pub/sub subscription is live, else 0 (SCALE-3).", func() float64 {
		return b2f(st.Subscribed.Load())
	})
	counterFunc(reg, "stampede_redis_published_total", "Messages published to other instances.", load(&st.Published))
	counterFunc(reg, "stampede_redis_publish_errors_total", "Publications Redis did not take, each retried until sent (SCALE-3); messages lost are in stampede_redis_dropped_total.", load(&st.PublishErrors))
	counterFunc(reg, "stampede_redis_dropped_total", "Messages dropped because the publish queue was full.", load(&st.Dropped))
	counterFunc(reg, "stampede_redis_received_total", "Messages from other instances handled.", load(&st.Received))
	counterFunc(reg, "stampede_redis_skipped_total", "Room messages skipped: no local member in the room.", load(&st.Skipped))
	counterFunc(reg, "stampede_redis_bad_messages_total", "Messages on the channel that could not be decoded.", load(&st.BadMessages))
	counterFunc(reg, "stampede_redis_subscription_losses_total", "Times the subscription was lost and renewed (SCALE-3).", load(&st.Reconnects))
	if s.webui != nil {
		rs := s.webui.ReaperStats()
		gaugeFunc(reg, "stampede_session_reaper_lock_held", "1 when this instance holds the session reaper's lock (SESS-5).", func() float64 {
			return b2f(rs.SessionLockHeld.Load())
		})
		gaugeFunc(reg, "stampede_usage_reaper_lock_held", "1 when this instance holds the usage reaper's lock (SESS-5).", func() float64 {
			return b2f(rs.UsageLockHeld.Load())
		})
		counterFunc(reg, "stampede_reaper_lock_errors_total", "Reaper lock operations that failed to reach Redis.", load(&rs.LockErrors))
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// engineCollector exports the labelled families: the sums of the two
// engines' counters (the Socket.IO endpoint and the raw /engine.io/ echo)
// and the limit reporter's counts, read at each scrape.
type engineCollector struct {
	srv                                        *Server
	sessions, packets, bytes, failures, limits *prometheus.Desc
}

func newEngineCollector(s *Server) *engineCollector {
	return &engineCollector{
		srv:      s,
		sessions: prometheus.NewDesc("stampede_sessions", "Open Engine.IO sessions by current transport.", []string{"transport"}, nil),
		packets:  prometheus.NewDesc("stampede_packets_total", "Engine.IO packets received (in) and queued to clients (out).", []string{"direction"}, nil),
		bytes:    prometheus.NewDesc("stampede_bytes_total", "Engine.IO payload bytes read and written.", []string{"direction"}, nil),
		failures: prometheus.NewDesc("stampede_handshake_failures_total", "Requests refused at or before the handshake, by reason.", []string{"reason"}, nil),
		limits:   prometheus.NewDesc("stampede_limit_closes_total", "Connections closed or requests refused by a limit of PROTOCOL.md section 12.", []string{"limit"}, nil),
	}
}

func (c *engineCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.sessions, c.packets, c.bytes, c.failures, c.limits} {
		ch <- d
	}
}

// engineTotals is one scrape's sum over both engines.
type engineTotals struct {
	ws, polling          int64
	pin, pout, bin, bout uint64
	fails                []uint64 // by engine.HandshakeFailure
}

func (c *engineCollector) totals() engineTotals {
	t := engineTotals{fails: make([]uint64, len(engine.FailureReasons()))}
	for _, st := range []*engine.Stats{c.srv.app.Stats(), c.srv.raw.Stats()} {
		t.ws += st.SessionsWebsocket.Load()
		t.polling += st.SessionsPolling.Load()
		t.pin += st.PacketsIn.Load()
		t.pout += st.PacketsOut.Load()
		t.bin += st.BytesIn.Load()
		t.bout += st.BytesOut.Load()
		for i := range t.fails {
			t.fails[i] += st.Failures[i].Load()
		}
	}
	return t
}

// Collect exports every reason and every limit, at 0 until it happens, so a
// dashboard's rate() starts from a known zero.
func (c *engineCollector) Collect(ch chan<- prometheus.Metric) {
	t := c.totals()
	gauge := func(d *prometheus.Desc, v int64, label string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), label)
	}
	counter := func(d *prometheus.Desc, v uint64, label string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), label)
	}
	gauge(c.sessions, t.ws, "websocket")
	gauge(c.sessions, t.polling, "polling")
	counter(c.packets, t.pin, "in")
	counter(c.packets, t.pout, "out")
	counter(c.bytes, t.bin, "in")
	counter(c.bytes, t.bout, "out")
	for _, f := range engine.FailureReasons() {
		counter(c.failures, t.fails[f], f.String())
	}
	for _, id := range limit.IDs() {
		counter(c.limits, c.srv.limits.Count(id), id.String())
	}
}
