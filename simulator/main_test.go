package simulator

import (
	"testing"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/test/leakcheck"
)

// TestMain checks that no test leaves a goroutine behind: virtual clients,
// their connections, the heartbeat scheduler and the executors must all
// be gone once a run is over.
func TestMain(m *testing.M) {
	leakcheck.Main(m, client.CloseIdleConnections)
}
