package leakcheck

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// Main runs the tests, then cleanup (nil: none), and, when every test
// passed, fails the binary if goroutines are left that opts do not ignore.
// The client's epoll waiter, one per process for good once a client
// parked (client.Options.ParkIdle), is never a leak. It exits with the
// result.
func Main(m *testing.M, cleanup func(), opts ...goleak.Option) {
	opts = append(opts, IgnoreParker)
	code := m.Run()
	if cleanup != nil {
		cleanup()
	}
	if code == 0 {
		if err := goleak.Find(opts...); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// IgnoreParker is the goleak option that passes the client's epoll waiter,
// for tests that call goleak themselves.
var IgnoreParker = goleak.IgnoreAnyFunction("github.com/stampede-sio/stampede/internal/client.(*parker).loop")
