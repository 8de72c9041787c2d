package conformance

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/excerpt"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// Discover fills in what the target serves: transports at the Socket.IO
// path and at the raw Engine.IO path, ping timings, maxPayload, and whether
// the refserver control API answers. A target that answers nothing at all is
// ErrUnreachable.
func Discover(ctx context.Context, t *check.Target) error {
	t.Path = slashed(t.Path)
	t.EnginePath = slashed(t.EnginePath)
	ctx, cancel := context.WithTimeout(ctx, 2*check.Wait)
	defer cancel()

	var netErr error
	var sioErrs [2]error // polling, websocket at the Socket.IO path
	probe := func(path string, tr client.Transports) (engineio.OpenInfo, bool) {
		c, err := client.Dial(ctx, t.URL.String(), &client.Options{Path: path, Transports: tr, HandshakeTimeout: check.Wait, TLSConfig: t.TLS})
		if err != nil {
			var op *net.OpError
			if errors.As(err, &op) && netErr == nil {
				netErr = op // "dial tcp 127.0.0.1:1: connect: connection refused"
			}
			if path == t.Path && tr == client.PollingOnly {
				sioErrs[0] = err
			} else if path == t.Path {
				sioErrs[1] = err
			}
			return engineio.OpenInfo{}, false
		}
		defer c.Close()
		return c.OpenInfo(), true
	}
	open, ok := probe(t.Path, client.PollingOnly)
	t.Polling = ok
	if ok {
		t.Upgrade = slices.Contains(open.Upgrades, engineio.TransportWebsocket)
		setTimings(t, open)
	}
	if open, ok := probe(t.Path, client.WebsocketOnly); ok {
		t.Websocket = true
		setTimings(t, open)
	}
	_, t.EnginePoll = probe(t.EnginePath, client.PollingOnly)
	_, t.EngineWS = probe(t.EnginePath, client.WebsocketOnly)
	if !t.Polling && !t.Websocket && !t.EnginePoll && !t.EngineWS {
		if netErr != nil {
			return unreachable("%v", netErr)
		}
		return unreachable("no Engine.IO handshake succeeded at %s or %s (polling: %s; websocket: %s)%s", t.Path, t.EnginePath,
			excerpt.Message(sioErrs[0].Error()), excerpt.Message(sioErrs[1].Error()), pathHint(sioErrs[0], sioErrs[1]))
	}
	t.Control = controlAPI(ctx, t)
	return nil
}

// pathHint suggests --path when nothing serves Engine.IO at the Socket.IO
// path (a 404 to either transport; Node closes a websocket there).
func pathHint(errs ...error) string {
	for _, err := range errs {
		var he *client.HTTPError
		if errors.As(err, &he) && he.StatusCode == http.StatusNotFound {
			return "; is --path right? a stock socket.io server serves /socket.io/: --path /socket.io"
		}
	}
	return ""
}

func setTimings(t *check.Target, open engineio.OpenInfo) {
	t.PingInterval = time.Duration(open.PingInterval) * time.Millisecond
	t.PingTimeout = time.Duration(open.PingTimeout) * time.Millisecond
	t.MaxPayload = open.MaxPayload
}

// controlAPI reports whether the refserver control API answers an admin
// token minted with the target's secret.
func controlAPI(ctx context.Context, t *check.Target) bool {
	if t.Secret == nil {
		return false
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(t.URL.String(), "/")+"/api/control/sessions", nil)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", "Bearer "+t.Token(check.AdminUser, time.Hour))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func slashed(p string) string {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}
