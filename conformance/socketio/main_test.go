package socketio_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/stampede-sio/stampede/internal/nodepeer"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/refserver"
)

func TestMain(m *testing.M) {
	code := m.Run()
	node.Stop()
	client.CloseIdleConnections()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// serve runs a refserver on httptest until the test ends.
func serve(t *testing.T, cfg refserver.Config) *url.URL {
	t.Helper()
	srv, err := refserver.New(cfg)
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		srv.Shutdown(ctx) // sessions a case left open are dropped
		hs.Close()
	})
	u, err := url.Parse(hs.URL)
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
