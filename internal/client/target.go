package client

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

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
