package campaign

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/test/leakcheck"
)

// TestMain checks that no watch, server reader or client is left behind,
// and removes the binary the tests built.
func TestMain(m *testing.M) {
	leakcheck.Main(m, func() {
		client.CloseIdleConnections()
		if binDir != "" {
			os.RemoveAll(binDir)
		}
	})
}

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

// stampedeBinary builds cmd/stampede once per test binary: the managed
// servers are its serve command.
func stampedeBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "campaign-test-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "stampede")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/stampede-sio/stampede/cmd/stampede").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}
