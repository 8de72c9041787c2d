package threshold

// The built-in metric names, in one place (as k6 keeps its own): the
// simulator records under these names, thresholds name them, reporters
// read them (package reports re-exports them for its users).
// Timers record durations (summaries in milliseconds); counters count; the
// derived metrics are computed from counters; gauges appear only in the
// per-second series.
const (
	// Timers.
	MetricConnectTCP = "connect_tcp" // TCP connect and WebSocket upgrade (or first polling request)
	MetricHandshake  = "handshake"   // Engine.IO OPEN received, from the start of the dial
	MetricSIOConnect = "sio_connect" // Socket.IO CONNECT reply received, from sending CONNECT; one per established connection
	MetricUserJoin   = "user_join"   // user-join emitted until its ack
	MetricAck        = "ack"         // emit-with-ack round trip, from the intended send time; tag event
	MetricPush       = "push"        // delivery latency of a pushed event, from the send time it carries; tag event
	MetricReconnect  = "reconnect"   // one client's time from losing its connection to being connected again
	MetricRecovery   = "recovery"    // a whole population's time to be connected again after a storm
	MetricLag        = "lag"         // generator health: how late the scheduler started what it intended to start

	// Counters.
	MetricConnections      = "connections"       // connection attempts (first dials and reconnection dials), successful or not
	MetricDisconnects      = "disconnects"       // connections lost or closed, by either side
	MetricReconnects       = "reconnects"        // reconnection attempts (dials after a lost connection; also in connections)
	MetricMessagesSent     = "messages_sent"     // Socket.IO events sent; tag event
	MetricMessagesReceived = "messages_received" // Socket.IO events received (acks and pushes); tag event
	MetricBytesSent        = "bytes_sent"        // payload bytes sent (WebSocket frames or polling bodies); tag event
	MetricBytesReceived    = "bytes_received"    // payload bytes received; tag event
	MetricErrors           = "errors"            // failures, each counted once; tag kind (dial, handshake, connect, ack_timeout, ...)
	MetricStartsDropped    = "starts_dropped"    // generator health: client starts (or open-model sends) given up because the generator fell behind
	MetricStartsDelayed    = "starts_delayed"    // generator health: starts made later than intended (their latency is still measured from the intended time)
	MetricStarts           = "starts"            // generator health: scheduled starts made (ramp and arrival clients, rate-loop iterations), late or not; with starts_dropped, what the generator meant to start

	// Derived.
	MetricErrorRate = "error_rate" // errors / (messages_sent + connections); see ErrorRate

	// Gauges (per-second series only).
	MetricClients    = "clients"    // virtual clients connected now
	MetricConnecting = "connecting" // dials in flight now
)

// The tag keys the built-in metrics carry.
const (
	TagEvent = "event"
	TagKind  = "kind"
)

// MetricKind says how a metric is recorded and which threshold statistics
// apply to it.
type MetricKind int

// The metric kinds.
const (
	KindTimer   MetricKind = iota + 1 // an HDR histogram of durations
	KindCounter                       // a monotonic count
	KindRate                          // a ratio derived from counters
	KindGauge                         // a level sampled once a second
)

func (k MetricKind) String() string {
	switch k {
	case KindTimer:
		return "timer"
	case KindCounter:
		return "counter"
	case KindRate:
		return "rate"
	case KindGauge:
		return "gauge"
	}
	return "unknown"
}

// Metric describes one built-in metric.
type Metric struct {
	Name        string
	Kind        MetricKind
	Tag         string // the tag key it is split by (error_rate: filters its errors), if any
	Description string
}

// Metrics lists the built-in metrics in the order reporters show them.
var Metrics = []Metric{
	{MetricConnectTCP, KindTimer, "", "TCP connect + WebSocket upgrade"},
	{MetricHandshake, KindTimer, "", "Engine.IO OPEN received"},
	{MetricSIOConnect, KindTimer, "", "Socket.IO CONNECT reply"},
	{MetricUserJoin, KindTimer, "", "user-join ack"},
	{MetricAck, KindTimer, TagEvent, "ack round trip per event"},
	{MetricPush, KindTimer, TagEvent, "push delivery latency per event"},
	{MetricReconnect, KindTimer, "", "time to recovery per client"},
	{MetricRecovery, KindTimer, "", "population recovery after a storm"},
	{MetricLag, KindTimer, "", "generator scheduling lateness"},
	{MetricConnections, KindCounter, "", "connection attempts"},
	{MetricDisconnects, KindCounter, "", "connections lost or closed"},
	{MetricReconnects, KindCounter, "", "reconnection attempts"},
	{MetricMessagesSent, KindCounter, TagEvent, "events sent"},
	{MetricMessagesReceived, KindCounter, TagEvent, "events received"},
	{MetricBytesSent, KindCounter, TagEvent, "bytes sent"},
	{MetricBytesReceived, KindCounter, TagEvent, "bytes received"},
	{MetricErrors, KindCounter, TagKind, "errors by kind"},
	{MetricStartsDropped, KindCounter, "", "starts dropped by the generator"},
	{MetricStartsDelayed, KindCounter, "", "starts delayed by the generator"},
	{MetricStarts, KindCounter, "", "scheduled starts made by the generator"},
	{MetricErrorRate, KindRate, TagKind, "errors / (messages_sent + connections)"}, // a kind filter selects the errors
	{MetricClients, KindGauge, "", "connected virtual clients"},
	{MetricConnecting, KindGauge, "", "dials in flight"},
}

// LookupMetric finds a built-in metric by name.
func LookupMetric(name string) (Metric, bool) {
	for _, m := range Metrics {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}
