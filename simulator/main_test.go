package simulator

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/stampede-sio/stampede/internal/client"
)

// TestMain checks that no test leaves a goroutine behind: virtual clients,
// their connections, the heartbeat scheduler and the executors must all
// be gone once a run is over.
func TestMain(m *testing.M) {
	code := m.Run()
	client.CloseIdleConnections()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
