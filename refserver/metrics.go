package refserver

import (
	"net/http"
	"sync"

	"github.com/stampede-sio/stampede/refserver/engine"
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
	return m
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
