package engineio_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
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
	"github.com/stampede-sio/stampede/refserver/refservertest"
	"github.com/stampede-sio/stampede/refserver/webui"
	"github.com/stampede-sio/stampede/reports"
)

// TestMain fails the package when a case leaves a goroutine behind: every
// GET, websocket reader and helper of a case must end with it.
func TestMain(m *testing.M) {
	leakcheck.Main(m, func() {
		node.Stop()
		http.DefaultClient.CloseIdleConnections()
		client.CloseIdleConnections()
	})
}

// The refserver's settings in these tests: short pings keep the package fast.
const (
	pingInterval = 300 * time.Millisecond
	pingTimeout  = 300 * time.Millisecond
	maxPayload   = 10000
	sioPath      = "/ws/socket.io/"
)

// refConfig is the refserver of the tests, serving transports.
func refConfig(transports ...string) refserver.Config {
	return refserver.Config{
		Transports:   transports,
		PingInterval: pingInterval,
		PingTimeout:  pingTimeout,
		MaxPayload:   maxPayload,
		Population:   webui.Generate(webui.Sizes{Users: 3, Channels: 1, Notes: 3}),
	}
}

// startRef starts a refserver for cfg on httptest behind mw (nil: none).
func startRef(t testing.TB, cfg refserver.Config, mw func(http.Handler) http.Handler) string {
	t.Helper()
	opts := []refservertest.Option{refservertest.Drain(200 * time.Millisecond)} // sessions a case left open are dropped
	if mw != nil {
		opts = append(opts, refservertest.Wrap(mw))
	}
	_, base := refservertest.Start(t, cfg, opts...)
	return base
}

// startRefUnstarted is startRef for the refserver serving both transports,
// not yet started, so that its listener can be replaced.
func startRefUnstarted(t testing.TB) *httptest.Server {
	t.Helper()
	srv, err := refserver.New(refConfig("polling", "websocket"))
	require.NoError(t, err)
	hs := httptest.NewUnstartedServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	return hs
}

// target is the check.Target of a server at base.
func target(t testing.TB, base, path string) check.Target {
	t.Helper()
	u, err := url.Parse(base)
	require.NoError(t, err)
	return check.Target{URL: u, Path: path, EchoNamespace: "/echo", EnginePath: "/engine.io/", Profile: "documented"}
}

// runCases runs the engineio cases matching re (all when empty) against tg.
func runCases(t testing.TB, tg check.Target, re string) *reports.Check {
	t.Helper()
	return runCasesParallel(t, tg, re, 0)
}

// runCasesParallel is runCases with at most parallel cases at once (0: the
// runner's default).
func runCasesParallel(t testing.TB, tg check.Target, re string, parallel int) *reports.Check {
	t.Helper()
	opts := conformance.Options{Layers: []check.Layer{check.LayerEngineIO}, Parallel: parallel}
	if re != "" {
		opts.Run = regexp.MustCompile(re)
	}
	rec, err := conformance.Run(context.Background(), tg, opts)
	require.NoError(t, err)
	return rec
}

// describeCase renders a result for failure messages.
func describeCase(c reports.CheckCase) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s (%.2fs)", c.ID, c.Status, c.Duration)
	if c.Reason != "" {
		fmt.Fprintf(&b, "\n  reason:   %s", c.Reason)
	}
	if c.Expected != "" || c.Actual != "" {
		fmt.Fprintf(&b, "\n  expected: %s\n  actual:   %s", c.Expected, c.Actual)
	}
	for _, e := range c.Exchange {
		fmt.Fprintf(&b, "\n    %s", e)
	}
	return b.String()
}

// node is testdata/node/echo-server.js, started once for the package.
var node = nodepeer.Shared{Script: "echo-server.js"}

// nodeEcho returns the base URL of the Node socket.io 4.8 echo server
// (PROTOCOL.md section 10), starting it on first use. Interop is part of
// the tests and never skipped.
func nodeEcho(t testing.TB) string { return node.URL(t) }
