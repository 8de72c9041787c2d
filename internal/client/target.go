package client

import (
	"context"
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
	try := func(tr Transports) error {
		opts := Options{}
		if o != nil {
			opts = *o
		}
		opts.Transports = tr
		return Handshake(ctx, rawURL, &opts)
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

// Handshake opens an Engine.IO session at rawURL with o and closes it at
// once: whether the server takes o's transport there.
func Handshake(ctx context.Context, rawURL string, o *Options) error {
	c, err := Dial(ctx, rawURL, o)
	if err != nil {
		return err
	}
	return c.Close()
}
