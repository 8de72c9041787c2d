package schedule

import (
	"testing"

	"github.com/stampede-sio/stampede/internal/test/leakcheck"
)

// TestMain checks that no test leaves a goroutine behind: the executors'
// start goroutines must be gone once Wait has returned.
func TestMain(m *testing.M) {
	leakcheck.Main(m, nil)
}
