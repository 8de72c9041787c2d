package client

import (
	"testing"

	"github.com/stampede-sio/stampede/internal/test/leakcheck"
	"github.com/stampede-sio/stampede/internal/test/nodepeer"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m, func() {
		node.Stop()
		CloseIdleConnections()
	})
}

// node is testdata/node/echo-server.js, started once for the package.
var node = nodepeer.Shared{Script: "echo-server.js"}

// echoServer returns the base URL of the Node socket.io 4.8 echo server
// (PROTOCOL.md section 10), starting it on first use.
func echoServer(tb testing.TB) string { return node.URL(tb) }
