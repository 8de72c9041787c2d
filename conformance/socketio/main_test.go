package socketio_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/test/leakcheck"
	"github.com/stampede-sio/stampede/internal/test/nodepeer"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/refservertest"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m, func() {
		node.Stop()
		client.CloseIdleConnections()
	})
}

// serve runs a refserver on httptest until the test ends.
func serve(t *testing.T, cfg refserver.Config) *url.URL {
	t.Helper()
	_, base := refservertest.Start(t, cfg, refservertest.Drain(500*time.Millisecond)) // sessions a case left open are dropped
	u, err := url.Parse(base)
	require.NoError(t, err)
	return u
}

// node is testdata/node/echo-server.js, started once for the package.
var node = nodepeer.Shared{Script: "echo-server.js"}

// nodeEcho returns the Node echo server's base URL, starting it on first use.
func nodeEcho(t *testing.T) *url.URL {
	t.Helper()
	u, err := url.Parse(node.URL(t))
	require.NoError(t, err)
	return u
}
