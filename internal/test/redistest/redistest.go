package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

// Shared is the machine's Redis.
const Shared = "redis://127.0.0.1:6379/0"

// Need fails the test unless the Redis at url answers PING (skips with
// STAMPEDE_NO_REDIS=1).
func Need(tb testing.TB, url string) {
	tb.Helper()
	skipIfOff(tb)
	c := Client(tb, url)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		tb.Fatalf("Redis at %s is needed (set STAMPEDE_NO_REDIS=1 to skip these tests): %v", url, err)
	}
}

func skipIfOff(tb testing.TB) {
	if os.Getenv("STAMPEDE_NO_REDIS") == "1" {
		tb.Skip("STAMPEDE_NO_REDIS=1: no Redis")
	}
}

// Client returns a client of url, closed when the test ends.
func Client(tb testing.TB, url string) *redis.Client {
	tb.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		tb.Fatalf("redis URL %q: %v", url, err)
	}
	c := redis.NewClient(opts)
	tb.Cleanup(func() { c.Close() })
	return c
}

// Name returns a fresh name with prefix, for key prefixes and channels that
// keep concurrent tests apart on the shared Redis.
func Name(prefix string) string {
	var b [6]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// Server is a private redis-server on a free loopback port, without
// persistence. It is killed when the test ends.
type Server struct {
	tb   testing.TB
	port int
	cmd  *exec.Cmd
}

// Start runs a private redis-server.
func Start(tb testing.TB) *Server {
	tb.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		skipIfOff(tb)
		tb.Fatalf("redis-server is needed: %v (set STAMPEDE_NO_REDIS=1 to skip)", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{tb: tb, port: ln.Addr().(*net.TCPAddr).Port}
	ln.Close()
	s.Restart()
	tb.Cleanup(s.Stop)
	return s
}

// URL is the server's redis:// URL.
func (s *Server) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.port) }

// Restart starts the server again after Stop (with no data: nothing is
// saved) and waits until it accepts connections.
func (s *Server) Restart() {
	s.tb.Helper()
	s.cmd = exec.Command("redis-server", "--port", fmt.Sprint(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no")
	dieWithParent(s.cmd)
	if err := s.cmd.Start(); err != nil {
		s.tb.Fatalf("redis-server: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.port))
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			s.tb.Fatalf("redis-server on port %d did not start: %v", s.port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server, as a crash would.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

// GoleakIgnore is the goleak option for go-redis's dial retry: after a
// failed dial its pool keeps one goroutine sleeping a second between
// attempts, and it ends only at its next wake-up after the client closed.
// Tests that dial an unreachable Redis on purpose pass it to goleak.Find.
func GoleakIgnore() goleak.Option {
	return goleak.IgnoreAnyFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).tryDial")
}
