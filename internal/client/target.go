package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// Target is a Socket.IO server as a socket.io-client user names it:
// io("http://host:port/echo", {path: "/socket.io"}) is the server at
// http://host:port, Engine.IO path /socket.io/, namespace /echo.
type Target struct {
	// Base is the server: scheme http or https (ws and wss are mapped to
	// them), host and port, no path, query or fragment.
	Base *url.URL
	// Namespace is the URL's path when it names one ("/echo"); "" when the
	// URL has no path or only "/".
	Namespace string
}

// ParseTarget parses a server URL the way socket.io-client reads the URL
// given to io(): http://, https://, ws:// or wss://, with an optional
// namespace as its path (a trailing slash is dropped: /echo/ is /echo).
// Bad input is an error naming what is wrong.
func ParseTarget(raw string) (Target, error) {
	if !strings.Contains(raw, "://") {
		return Target{}, fmt.Errorf("client: target %q: want an http://, https://, ws:// or wss:// URL, e.g. http://%s", raw, strings.TrimSpace(raw))
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return Target{}, fmt.Errorf("client: target %q: %w", raw, err)
	}
	switch u.Scheme {
	case "http", "https":
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	default:
		return Target{}, fmt.Errorf("client: target %q: want an http://, https://, ws:// or wss:// URL", raw)
	}
	if u.Host == "" || u.Hostname() == "" {
		return Target{}, fmt.Errorf("client: target %q: no host", raw)
	}
	if u.User != nil {
		return Target{}, fmt.Errorf("client: target %q: user information in a target URL is not supported", raw)
	}
	nsp := strings.TrimRight(u.Path, "/")
	base := &url.URL{Scheme: u.Scheme, Host: u.Host}
	return Target{Base: base, Namespace: nsp}, nil
}

// EnginePath is the Engine.IO path as engine.io-client sends it: one
// leading slash and one trailing slash ("socket.io" and "/socket.io" are
// "/socket.io/"), since the stock Node server serves only "/socket.io/".
// "" stays "" (the default).
func EnginePath(p string) string {
	trimmed := strings.Trim(strings.TrimSpace(p), "/")
	switch {
	case trimmed != "":
		return "/" + trimmed + "/"
	case strings.Contains(p, "/"):
		return "/" // the server's root
	}
	return ""
}

// Accepted is what an Engine.IO handshake with each transport found.
type Accepted struct {
	Polling, Websocket bool
	// PollingErr and WebsocketErr are why a handshake failed.
	PollingErr, WebsocketErr error
}

// Any reports whether either transport was accepted.
func (a Accepted) Any() bool { return a.Polling || a.Websocket }

// String names the transports the server accepted: "polling",
// "websocket", "polling,websocket" or "none".
func (a Accepted) String() string {
	var names []string
	if a.Polling {
		names = append(names, engineio.TransportPolling)
	}
	if a.Websocket {
		names = append(names, engineio.TransportWebsocket)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

// Accepts performs the Engine.IO handshake at rawURL with polling and with
// websocket, in turn, and closes what it opened: reachability of a Socket.IO
// server is its handshake, not any other HTTP endpoint. o's Transports is
// ignored; the rest (Path, TLS, timeouts) applies.
func Accepts(ctx context.Context, rawURL string, o *Options) Accepted {
	if o == nil {
		o = &defaultOptions
	}
	try := func(tr Transports) error {
		opts := *o
		opts.Transports = tr
		c, err := Dial(ctx, rawURL, &opts)
		if err != nil {
			return err
		}
		return c.Close()
	}
	var a Accepted
	a.PollingErr = try(PollingOnly)
	a.Polling = a.PollingErr == nil
	if ctx.Err() == nil {
		a.WebsocketErr = try(WebsocketOnly)
		a.Websocket = a.WebsocketErr == nil
	}
	return a
}

// TransportRefused reports whether err is a server turning a transport
// down at the handshake: Node's engine.io answers 400
// {"code":0,"message":"Transport unknown"}, python-engineio and the
// refserver a 400 of their own.
func TransportRefused(err error) bool {
	var he *HTTPError
	return errors.As(err, &he) && he.StatusCode == http.StatusBadRequest
}
