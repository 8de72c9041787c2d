package limits_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/conformance"
	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/test/leakcheck"
	"github.com/stampede-sio/stampede/internal/test/nodepeer"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/reports"
)

// TestMain fails the package when a case leaves a goroutine behind.
func TestMain(m *testing.M) {
	// The Node echo server pings as slowly as shortConfig: with its usual
	// 200 ms ping timeout a flood stalls its one event loop long enough to
	// close clients for that, which would hide what the limits do.
	os.Setenv("ECHO_PING_INTERVAL", "1000")
	os.Setenv("ECHO_PING_TIMEOUT", "2000")
	leakcheck.Main(m, func() {
		node.Stop()
		http.DefaultClient.CloseIdleConnections()
		client.CloseIdleConnections()
	})
}

// shortConfig is the refserver of PROTOCOL.md section 12's advice: short
// timeouts, so that every case decides (none skips for a long timeout).
func shortConfig() refserver.Config {
	return refserver.Config{
		Transports: []string{"polling", "websocket"},
		// Pings slow enough that a machine busy with the race detector and
		// a flood still answers them in time.
		PingInterval:      time.Second,
		PingTimeout:       2 * time.Second,
		ConnectTimeout:    2 * time.Second,
		ReadHeaderTimeout: 2 * time.Second,
		IdleTimeout:       2 * time.Second,
	}
}

// serve runs a refserver on its own http.Server (so that its HTTP timeouts
// apply, LIM-5) until the test ends.
func serve(t *testing.T, cfg refserver.Config) *url.URL {
	t.Helper()
	srv, err := refserver.New(cfg)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		_ = srv.Shutdown(ctx) // sessions a case left open are dropped
		if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	u, err := url.Parse("http://" + ln.Addr().String())
	require.NoError(t, err)
	return u
}

// refTarget is the check.Target of a refserver in normal mode at u.
func refTarget(u *url.URL) check.Target {
	return check.Target{URL: u, Path: "/ws/socket.io/", EchoNamespace: "/echo", EnginePath: "/engine.io/", Profile: "documented"}
}

// runLimits runs the limits cases matching re against target.
func runLimits(t *testing.T, target check.Target, re string) *reports.Check {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	opts := conformance.Options{Layers: []check.Layer{check.LayerLimits}}
	if re != "" {
		opts.Run = regexp.MustCompile(re)
	}
	rec, err := conformance.Run(ctx, target, opts)
	require.NoError(t, err)
	return rec
}

// describe renders a result for failure messages.
func describe(c reports.CheckCase) string {
	return c.ID + ": " + c.Status + " " + c.Reason + "\n  expected: " + c.Expected + "\n  actual:   " + c.Actual +
		"\n    " + strings.Join(c.Exchange, "\n    ")
}

// node is testdata/node/echo-server.js, started once for the package.
var node = nodepeer.Shared{Script: "echo-server.js"}
