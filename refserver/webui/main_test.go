package webui_test

import (
	"testing"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/test/leakcheck"
)

// TestMain checks that no test of the package leaves a goroutine behind:
// every refserver is shut down and every client closed. The client's shared
// long-polling HTTP clients keep idle connections by design, so they are
// dropped first, as the client package asks.
func TestMain(m *testing.M) {
	leakcheck.Main(m, client.CloseIdleConnections)
}
