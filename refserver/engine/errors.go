package engine

import (
	"errors"
	"sync/atomic"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// Reasons a session closes, passed to Handler.OnClose.
var (
	ErrPingTimeout     = errors.New("engine: ping timeout")
	ErrClientClose     = errors.New("engine: closed by client")
	ErrTransportClose  = errors.New("engine: transport closed")
	ErrTransportError  = errors.New("engine: transport error")
	ErrParse           = errors.New("engine: parse error")
	ErrClientPing      = errors.New("engine: ping from client (wrong direction in v4)")
	ErrPayloadTooLarge = errors.New("engine: payload too large")
	ErrSlowConsumer    = errors.New("engine: slow consumer")     // LIM-6: the outgoing queue passed MaxQueue
	ErrInvalidUTF8     = errors.New("engine: text is not UTF-8") // LIM-3
	// ErrReadBudget: a websocket message was larger than the limit the layer
	// above set for it with Session.LimitNextMessage (LIM-1's attachment budget).
	ErrReadBudget     = errors.New("engine: message over the read budget")
	ErrServerClose    = errors.New("engine: closed by server")
	ErrServerShutdown = errors.New("engine: server shutting down")
	ErrPollOverlap    = errors.New("engine: overlapping polling request")
)

// HandshakeFailure names why a request was refused before or at the
// handshake; it labels the handshake-failure metric.
type HandshakeFailure int

// The handshake failure reasons.
const (
	FailUnknownTransport HandshakeFailure = iota
	FailUnknownSID
	FailBadMethod
	FailBadRequest
	FailForbiddenOrigin
	FailUnsupportedProtocol
	FailUpgrade
	FailShuttingDown
	numFailures
)

var failureNames = [numFailures]string{
	"unknown_transport", "unknown_sid", "bad_method", "bad_request",
	"forbidden_origin", "unsupported_protocol", "upgrade_failed", "shutting_down",
}

func (f HandshakeFailure) String() string { return failureNames[f] }

// FailureReasons lists every HandshakeFailure label value.
func FailureReasons() []HandshakeFailure {
	out := make([]HandshakeFailure, numFailures)
	for i := range out {
		out[i] = HandshakeFailure(i)
	}
	return out
}

func (f HandshakeFailure) code() engineio.ErrorCode {
	switch f {
	case FailUnknownTransport:
		return engineio.UnknownTransport
	case FailUnknownSID:
		return engineio.UnknownSID
	case FailBadMethod:
		return engineio.BadHandshakeMethod
	case FailForbiddenOrigin:
		return engineio.Forbidden
	case FailUnsupportedProtocol:
		return engineio.UnsupportedProtocolVersion
	}
	return engineio.BadRequest
}

// Stats are the server's running counters, read at scrape time.
type Stats struct {
	SessionsWebsocket atomic.Int64 // open sessions whose transport is websocket
	SessionsPolling   atomic.Int64 // open sessions on long-polling
	Connections       atomic.Int64 // open websocket connections incl. upgrade probes
	PacketsIn         atomic.Uint64
	PacketsOut        atomic.Uint64
	BytesIn           atomic.Uint64
	BytesOut          atomic.Uint64
	Batches           atomic.Uint64 // websocket writes: the frames queued when one began, in one writev
	Handshakes        atomic.Uint64
	Failures          [numFailures]atomic.Uint64
}
