package client

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gorilla/websocket"

	"github.com/stampede-sio/stampede/internal/excerpt"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// Errors a Conn or Socket reports. Conn.Err wraps the cause of the closure;
// test it with errors.Is and errors.As.
var (
	// ErrClosed: Close was called. Writes on a closed Conn return an error
	// wrapping ErrClosed and the cause.
	ErrClosed = errors.New("client: connection closed")
	// ErrServerClose: the server sent an Engine.IO close packet `1`.
	ErrServerClose = errors.New("client: server sent a close packet")
	// ErrPingTimeout: no ping arrived within pingInterval + pingTimeout
	// (CLIENT-3).
	ErrPingTimeout = errors.New("client: no ping within pingInterval+pingTimeout")
	// ErrProbeFailed: the server did not answer the upgrade probe with
	// `3probe` (EIO-9).
	ErrProbeFailed = errors.New("client: upgrade probe failed")
	// ErrNotPolling: Upgrade was called on a Conn that is not on polling or is
	// already upgrading.
	ErrNotPolling = errors.New("client: connection is not on polling")

	// ErrNotConnected: the Socket has not finished connecting.
	ErrNotConnected = errors.New("client: socket not connected")
	// ErrDisconnected: the Socket was disconnected; Socket.Reason says why.
	ErrDisconnected = errors.New("client: socket disconnected")
	// ErrAckTimeout: EmitWithAck's context expired before the ack arrived.
	ErrAckTimeout = errors.New("client: ack timeout")
)

// HTTPError is an unexpected HTTP answer: a refused handshake (EIO-2, EIO-3)
// or a failed polling request. Body holds the start of the response body.
type HTTPError struct {
	StatusCode int
	Body       []byte
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("client: HTTP %d: %s", e.StatusCode, excerpt.Of(e.Body))
}

// TransportError is a failure of the websocket or of a polling request after
// the handshake. A websocket closed by the server wraps a
// *websocket.CloseError: see CloseCode.
type TransportError struct {
	Transport string // engineio.TransportWebsocket or engineio.TransportPolling
	Err       error
}

func (e *TransportError) Error() string {
	return "client: " + e.Transport + " transport: " + excerpt.Message(e.Err.Error()) // a close reason is the server's
}

func (e *TransportError) Unwrap() error { return e.Err }

// CloseCode returns the websocket close code inside err (e.g. 1009 for a
// message over maxPayload, EIO-10), or -1 when err holds none.
func CloseCode(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return -1
}

// ConnectError is the server's CONNECT_ERROR for a namespace (SIO-3): Node
// sends {"message":"…"}, python-socketio a bare string.
type ConnectError struct {
	Namespace string
	Data      json.RawMessage
}

// Message returns the "message" field of an object payload, or the payload
// itself when it is a string, or the raw JSON otherwise.
func (e *ConnectError) Message() string {
	var s string
	if json.Unmarshal(e.Data, &s) == nil {
		return s
	}
	var obj struct {
		Message *string `json:"message"`
	}
	if json.Unmarshal(e.Data, &obj) == nil && obj.Message != nil {
		return *obj.Message
	}
	return string(e.Data)
}

func (e *ConnectError) Error() string {
	return fmt.Sprintf("client: connect to %s refused: %s", e.Namespace, excerpt.Message(e.Message()))
}

// Disconnect reasons, as socket.io-client names them. Socket.Reason returns
// one of these; CLIENT-4 says which ones a reconnecting caller retries.
const (
	ReasonServerDisconnect = "io server disconnect" // the server sent DISCONNECT
	ReasonClientDisconnect = "io client disconnect" // Disconnect or Conn.Close
	ReasonTransportClose   = "transport close"      // close packet, websocket closed
	ReasonTransportError   = "transport error"      // polling request failed, dial error
	ReasonPingTimeout      = "ping timeout"         // CLIENT-3
	ReasonParseError       = "parse error"          // malformed packet from the server
	ReasonConnectError     = "connect error"        // CONNECT refused (*ConnectError)
)

// reasonFor maps the cause of a Conn closure to a Socket disconnect reason.
func reasonFor(err error) string {
	var te *TransportError
	switch {
	case errors.Is(err, ErrClosed):
		return ReasonClientDisconnect
	case errors.Is(err, ErrPingTimeout):
		return ReasonPingTimeout
	case errors.Is(err, engineio.ErrMalformed), errors.Is(err, socketio.ErrMalformed):
		return ReasonParseError
	case errors.Is(err, ErrServerClose):
		return ReasonTransportClose
	case errors.As(err, &te) && te.Transport == engineio.TransportWebsocket:
		return ReasonTransportClose
	}
	return ReasonTransportError
}

// closedError is what a write on a closed Conn returns.
func closedError(cause error) error {
	if cause == ErrClosed {
		return ErrClosed
	}
	return fmt.Errorf("%w: %w", ErrClosed, cause)
}
