package app_test

import (
	"net/http"
	"testing"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/test/leakcheck"
	"github.com/stampede-sio/stampede/internal/test/redistest"
)

// TestMain checks that no test leaves a goroutine behind: every refserver
// and fake server is shut down and every case's connections closed. The
// keep-alive connections of the shared HTTP clients are dropped first.
func TestMain(m *testing.M) {
	leakcheck.Main(m, func() {
		client.CloseIdleConnections()
		http.DefaultClient.CloseIdleConnections()
	}, redistest.GoleakIgnore())
}
