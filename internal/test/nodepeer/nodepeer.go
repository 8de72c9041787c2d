package nodepeer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Peer is one running Node process that printed `listening <port>`.
type Peer struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	URL   string // http://127.0.0.1:<port>
}

// Dir is testdata/node of the module the current directory belongs to.
func Dir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "node"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("nodepeer: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Start runs `node <script> 0` in testdata/node and waits for its port.
func Start(script string) (*Peer, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("these tests need Node.js: %v; install it, then run `make node-deps`", err)
	}
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	for _, mod := range []string{"socket.io", "engine.io"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", mod)); err != nil {
			return nil, fmt.Errorf("testdata/node/node_modules/%s is missing: run `make node-deps`", mod)
		}
	}
	cmd := exec.Command(node, script, "0")
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
		return nil, fmt.Errorf("start node %s: %w", script, err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	port, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("node %s did not start: %q %v", script, line, err)
	}
	return &Peer{cmd: cmd, stdin: stdin, URL: "http://127.0.0.1:" + port}, nil
}

// Stop closes the peer's stdin (the scripts exit on EOF) and kills it if
// it lingers.
func (p *Peer) Stop() {
	_ = p.stdin.Close()
	t := time.AfterFunc(5*time.Second, func() { _ = p.cmd.Process.Kill() })
	_ = p.cmd.Wait()
	t.Stop()
}

// Shared is one peer for a whole test binary, started on first use; call
// Stop from TestMain.
type Shared struct {
	Script string
	once   sync.Once
	peer   *Peer
	err    error
}

// URL returns the peer's base URL, starting it on first use.
func (s *Shared) URL(tb testing.TB) string {
	tb.Helper()
	s.once.Do(func() { s.peer, s.err = Start(s.Script) })
	if s.err != nil {
		tb.Fatal(s.err)
	}
	return s.peer.URL
}

// Stop stops the peer if it was started.
func (s *Shared) Stop() {
	if s.peer != nil {
		s.peer.Stop()
	}
}
