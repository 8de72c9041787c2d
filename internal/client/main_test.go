package client

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopNode()
	CloseIdleConnections()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// nodeServer is testdata/node/echo-server.js, started once for the package.
type nodeServer struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	url   string
}

var (
	nodeOnce sync.Once
	nodeSrv  *nodeServer
	nodeErr  error
)

// echoServer returns the base URL of the Node socket.io 4.8 echo server
// (PROTOCOL.md section 10), starting it on first use.
func echoServer(tb testing.TB) string {
	tb.Helper()
	nodeOnce.Do(func() { nodeSrv, nodeErr = startNode() })
	if nodeErr != nil {
		tb.Fatal(nodeErr)
	}
	return nodeSrv.url
}

func startNode() (*nodeServer, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("the client tests need Node.js: %v; install it, then run `make node-deps`", err)
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
	return &nodeServer{cmd: cmd, stdin: stdin, url: "http://127.0.0.1:" + port}, nil
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
