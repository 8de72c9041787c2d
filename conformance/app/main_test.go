package app_test

import (
	"fmt"
	"net/http"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/redistest"
)

// TestMain checks that no test leaves a goroutine behind: every refserver
// and fake server is shut down and every case's connections closed. The
// keep-alive connections of the shared HTTP clients are dropped first.
func TestMain(m *testing.M) {
	code := m.Run()
	client.CloseIdleConnections()
	http.DefaultClient.CloseIdleConnections()
	if code == 0 {
		if err := goleak.Find(redistest.GoleakIgnore()); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
