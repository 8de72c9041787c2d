package client

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// Transports selects how a Conn reaches the server (EIO-14, CLIENT-2).
type Transports uint8

// The transport modes. The zero value is websocket only, open-webui's default.
const (
	// WebsocketOnly opens the websocket directly (transports: ["websocket"]).
	WebsocketOnly Transports = iota
	// PollingOnly stays on HTTP long-polling (transports: ["polling"]).
	// Conn.Upgrade can still be called by hand.
	PollingOnly
	// PollingThenWebsocket opens with polling and upgrades to websocket in the
	// background when the server offers it (transports: ["polling",
	// "websocket"], socket.io-client's default; EIO-9).
	PollingThenWebsocket
)

func (t Transports) String() string {
	switch t {
	case WebsocketOnly:
		return "websocket"
	case PollingOnly:
		return "polling"
	case PollingThenWebsocket:
		return "polling,websocket"
	}
	return fmt.Sprintf("Transports(%d)", uint8(t))
}

// ParseTransports maps a socket.io-client `transports` list, such as
// ["polling", "websocket"], to a mode.
func ParseTransports(names []string) (Transports, error) {
	switch strings.Join(names, ",") {
	case engineio.TransportWebsocket:
		return WebsocketOnly, nil
	case engineio.TransportPolling:
		return PollingOnly, nil
	case engineio.TransportPolling + "," + engineio.TransportWebsocket:
		return PollingThenWebsocket, nil
	}
	return 0, fmt.Errorf("client: unsupported transports %q", names)
}

// Direction tells Options.OnRaw which way a packet went.
type Direction uint8

// The two directions.
const (
	Received Direction = iota
	Sent
)

func (d Direction) String() string {
	if d == Sent {
		return "sent"
	}
	return "received"
}

// Options configures Dial. A nil *Options and every zero field mean the
// documented default. Dial keeps the pointer: one Options may serve many
// connections, and must not be modified after the first Dial.
type Options struct {
	// Path is the Engine.IO endpoint path. Default "/socket.io/".
	Path string
	// Transports selects websocket, polling, or polling with upgrade.
	Transports Transports
	// Query holds extra query parameters sent with every request.
	Query url.Values
	// Header holds extra HTTP headers (e.g. Origin) for every request.
	Header http.Header

	// NetDialer dials TCP. Default: a zero net.Dialer.
	NetDialer *net.Dialer
	// LocalAddr is the source address of the connection, for spreading many
	// clients over 127.0.0.x. On Linux the socket gets IP_BIND_ADDRESS_NO_PORT
	// so that the port is chosen at connect time and the ephemeral range is
	// not split between bind and connect (PERFORMANCE.md).
	LocalAddr *net.TCPAddr
	// TLSConfig is used for https:// and wss:// servers, e.g. with
	// InsecureSkipVerify for a self-signed certificate (--insecure); nil:
	// Go's defaults. Like NetDialer, reuse one pointer for many Conns.
	TLSConfig *tls.Config
	// HTTPClient carries the long-polling requests; its Timeout, if any, must
	// exceed pingInterval+pingTimeout, since a GET waits that long. Default: a
	// client shared by every Conn with the same NetDialer and TLSConfig
	// pointers and LocalAddr (so reuse one *net.Dialer), keeping idle connections; see
	// CloseIdleConnections.
	HTTPClient *http.Client
	// HandshakeTimeout bounds Dial and the upgrade. Default 20 s, the
	// socket.io-client connect timeout (CLIENT-3).
	HandshakeTimeout time.Duration

	// ParkIdle lets an idle websocket (a plain TCP one, on Linux) wait
	// without a goroutine: between messages its socket waits in one epoll
	// set shared by the process, and a read goroutine starts when bytes
	// arrive, the ping timeout passes or the Conn closes. It saves a 2 KiB
	// stack per idle Conn (the simulator's many clients) for an epoll_ctl
	// and a goroutine start per burst of messages read.
	ParkIdle bool

	// DisableAutoPong stops the Conn from answering server pings with a pong
	// (EIO-5), so that the conformance suite can watch the server time out.
	DisableAutoPong bool
	// OnRaw, when set, sees every Engine.IO packet the Conn receives or sends
	// (the OPEN packet, pings, pongs, probes, messages, …), in order per
	// direction. Received packets are reported on the read goroutine before
	// they are handled, sent packets just before they are written. p.Data is
	// valid only during the call. Raw frames (SendRawText, SendRawBinary) are
	// not reported.
	OnRaw func(dir Direction, p engineio.Packet)
	// OnMessage, when set, receives every Engine.IO message packet instead of
	// the Socket.IO layer: the Conn is then a bare Engine.IO client (ECHO-1)
	// and Connect must not be used. It runs on the read goroutine; p.Data
	// stays valid after the call.
	OnMessage func(p engineio.Packet)
}

var defaultOptions Options

const (
	defaultPath             = "/socket.io/"
	defaultHandshakeTimeout = 20 * time.Second
)

func (o *Options) path() string {
	if o.Path == "" {
		return defaultPath
	}
	return o.Path
}

func (o *Options) handshakeTimeout() time.Duration {
	if o.HandshakeTimeout <= 0 {
		return defaultHandshakeTimeout
	}
	return o.HandshakeTimeout
}

// endpoint builds the Engine.IO URL for a transport and, after the
// handshake, a session id. scheme is rewritten to ws/wss for websocket.
func endpoint(base *url.URL, transport, sid string) string {
	u := *base
	q := u.Query()
	q.Set("EIO", engineio.Protocol)
	q.Set("transport", transport)
	if sid != "" {
		q.Set("sid", sid)
	}
	u.RawQuery = q.Encode()
	if transport == engineio.TransportWebsocket {
		switch u.Scheme {
		case "http":
			u.Scheme = "ws"
		case "https":
			u.Scheme = "wss"
		}
	}
	return u.String()
}

// baseURL combines the server address with Options.Path and Options.Query.
func baseURL(rawURL string, o *Options) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("client: bad server URL: %w", err)
	}
	switch u.Scheme {
	case "http", "https":
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	default:
		return nil, fmt.Errorf("client: bad server URL %q: scheme must be http or https", rawURL)
	}
	u.Path = o.path()
	u.RawPath = ""
	if len(o.Query) > 0 {
		q := u.Query()
		for k, vs := range o.Query {
			q[k] = append(q[k], vs...)
		}
		u.RawQuery = q.Encode()
	}
	return u, nil
}
