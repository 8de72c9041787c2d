package webui_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/stampede-sio/stampede/internal/client"
)

// TestMain checks that no test of the package leaves a goroutine behind:
// every refserver is shut down and every client closed. The client's shared
// long-polling HTTP clients keep idle connections by design, so they are
// dropped first, as the client package asks.
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
