package socketio_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/refserver"
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopNode()
	client.CloseIdleConnections()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// serve runs a refserver on httptest until the test ends.
func serve(t *testing.T, cfg refserver.Config) *url.URL {
	t.Helper()
	srv, err := refserver.New(cfg)
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		srv.Shutdown(ctx) // sessions a case left open are dropped
		hs.Close()
	})
	u, err := url.Parse(hs.URL)
	require.NoError(t, err)
	return u
}

// nodeServer is testdata/node/echo-server.js (socket.io 4.8.4), started
// once for the package.
type nodeServer struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	url   *url.URL
}

var (
	nodeOnce sync.Once
	nodeSrv  *nodeServer
	nodeErr  error
)

// nodeEcho returns the Node echo server's base URL, starting it on first use.
func nodeEcho(t *testing.T) *url.URL {
	t.Helper()
	nodeOnce.Do(func() { nodeSrv, nodeErr = startNode() })
	require.NoError(t, nodeErr)
	return nodeSrv.url
}

func startNode() (*nodeServer, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("these tests need Node.js: %v; install it, then run `make node-deps`", err)
	}
	dir := filepath.Join("..", "..", "testdata", "node")
	for _, mod := range []string{"socket.io", "engine.io"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", mod)); err != nil {
			return nil, fmt.Errorf("testdata/node/node_modules/%s is missing: run `make node-deps`", mod)
		}
	}
	cmd := exec.Command(node, "echo-server.js", "0")
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start node echo-server.js: %w", err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	port, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("node echo-server.js did not start: %q %v", line, err)
	}
	u, err := url.Parse("http://127.0.0.1:" + port)
	return &nodeServer{cmd: cmd, stdin: stdin, url: u}, err
}

// stopNode closes the server's stdin (it exits on EOF) and kills it if it
// lingers.
func stopNode() {
	if nodeSrv == nil {
		return
	}
	_ = nodeSrv.stdin.Close()
	t := time.AfterFunc(5*time.Second, func() { _ = nodeSrv.cmd.Process.Kill() })
	_ = nodeSrv.cmd.Wait()
	t.Stop()
}
