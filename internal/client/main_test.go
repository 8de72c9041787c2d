package client

import (
	"fmt"
	"os"
	"testing"

	"github.com/stampede-sio/stampede/internal/nodepeer"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	code := m.Run()
	node.Stop()
	CloseIdleConnections()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// node is testdata/node/echo-server.js, started once for the package.
var node = nodepeer.Shared{Script: "echo-server.js"}

// echoServer returns the base URL of the Node socket.io 4.8 echo server
// (PROTOCOL.md section 10), starting it on first use.
func echoServer(tb testing.TB) string { return node.URL(tb) }
