package refserver_test

// Interop: the refserver driven by the real socket.io-client 4.8.4 from npm
// (testdata/node, installed by `make node-deps`). Each test starts its own
// refserver on httptest and runs one script of testdata/node/interop; the
// script prints one JSON object of observations and keeps its clients
// connected until its stdin closes, so the server can be inspected while they
// are there. Expected values are exact; timings get generous bounds.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/refserver"
)

// clientVersion is the socket.io-client that testdata/node/package.json pins.
const clientVersion = "4.8.4"

// nodeTimeout bounds one script run, holding time included.
const nodeTimeout = 30 * time.Second

// waitMs bounds each single wait inside a script; quietMs is how long a
// script keeps listening for deliveries that must not happen; after
// deadlineMs a script prints what it has observed so far and exits 3.
const (
	waitMs     = 3000
	quietMs    = 150
	deadlineMs = 20000
)

// nodeEnv returns the node binary and testdata/node, or fails the test:
// interop is part of `make test` and is never skipped.
func nodeEnv(t *testing.T) (bin, dir string) {
	t.Helper()
	bin, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node not found in PATH (%v): install Node.js and run make node-deps", err)
	}
	dir, err = filepath.Abs(filepath.Join("..", "testdata", "node"))
	require.NoError(t, err)
	pkg, err := os.ReadFile(filepath.Join(dir, "node_modules", "socket.io-client", "package.json"))
	if err != nil {
		t.Fatalf("socket.io-client is not installed in %s (%v): run make node-deps", dir, err)
	}
	var v struct{ Version string }
	require.NoError(t, json.Unmarshal(pkg, &v))
	if v.Version != clientVersion {
		t.Fatalf("socket.io-client %s installed, want %s: run make node-deps", v.Version, clientVersion)
	}
	return bin, dir
}

// nodeProc is one running interop script.
type nodeProc struct {
	t        *testing.T
	script   string
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	stdout   io.Reader
	stderr   *lockedBuffer
	waitOnce sync.Once
	waitErr  error
}

// lockedBuffer collects stderr, written by exec's copying goroutine and read
// by failure messages.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startNode runs testdata/node/interop/<script>.js with cfg as its JSON argument.
func startNode(t *testing.T, script string, cfg any) *nodeProc {
	t.Helper()
	bin, dir := nodeEnv(t)
	arg, err := json.Marshal(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), nodeTimeout)
	cmd := exec.CommandContext(ctx, bin, filepath.Join(dir, "interop", script+".js"), string(arg))
	cmd.Dir = dir
	cmd.WaitDelay = time.Second
	p := &nodeProc{t: t, script: script, cmd: cmd, stderr: &lockedBuffer{}}
	cmd.Stderr = p.stderr
	p.stdin, err = cmd.StdinPipe()
	require.NoError(t, err)
	p.stdout, err = cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start(), "failed to start %s.js", script)
	t.Cleanup(func() {
		cancel()
		p.wait()
	})
	return p
}

func (p *nodeProc) wait() error {
	p.waitOnce.Do(func() { p.waitErr = p.cmd.Wait() })
	return p.waitErr
}

// observe decodes the script's observations into v.
func (p *nodeProc) observe(v any) {
	p.t.Helper()
	var raw json.RawMessage
	if err := json.NewDecoder(p.stdout).Decode(&raw); err != nil {
		p.stdin.Close()
		p.t.Fatalf("%s.js printed no observations (%v; exit: %v)\nstderr:\n%s", p.script, err, p.wait(), p.stderr)
	}
	p.t.Logf("%s.js observed: %s", p.script, raw)
	require.NoError(p.t, json.Unmarshal(raw, v), "decode observations of %s.js", p.script)
}

// finish closes the script's stdin, which makes it disconnect and exit.
func (p *nodeProc) finish() {
	p.t.Helper()
	p.stdin.Close()
	io.Copy(io.Discard, p.stdout)
	err := p.wait()
	if s := p.stderr.String(); s != "" {
		p.t.Logf("%s.js stderr:\n%s", p.script, s) // e.g. with DEBUG=engine.io-client:*
	}
	if err != nil {
		p.t.Fatalf("%s.js failed: %v\nstderr:\n%s", p.script, err, p.stderr)
	}
}

// runNode runs a script to the end and decodes its observations into v.
func runNode(t *testing.T, script string, cfg, v any) {
	t.Helper()
	p := startNode(t, script, cfg)
	p.observe(v)
	p.finish()
}

// startServer serves a refserver on 127.0.0.1 until the test ends.
func startServer(t *testing.T, cfg refserver.Config) (*refserver.Server, string) {
	t.Helper()
	srv, err := refserver.New(cfg)
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		assert.NoError(t, srv.Shutdown(ctx), "shutdown")
		ts.Close()
	})
	return srv, ts.URL
}

// target is the part of every script config that says where to connect.
type target struct {
	URL        string   `json:"url"`
	Path       string   `json:"path"`
	Transports []string `json:"transports"`
	Namespace  string   `json:"namespace"`
	WaitMs     int      `json:"waitMs"`
	QuietMs    int      `json:"quietMs"`
	DeadlineMs int      `json:"deadlineMs"`
}

func newTarget(url, path, namespace string, transports ...string) target {
	return target{
		URL: url, Path: path, Transports: transports, Namespace: namespace,
		WaitMs: waitMs, QuietMs: quietMs, DeadlineMs: deadlineMs,
	}
}

// bin is the JSON form of binary data in the scripts: {"$bin": base64}.
func bin(b ...byte) string {
	return `{"$bin":"` + base64.StdEncoding.EncodeToString(b) + `"}`
}

// jsonEq asserts that got is the JSON text want; got may be missing.
func jsonEq(t *testing.T, want string, got json.RawMessage, msg string) {
	t.Helper()
	if len(got) == 0 {
		got = json.RawMessage(`"<missing>"`)
	}
	assert.JSONEq(t, want, string(got), msg)
}

func sessionsReach(t *testing.T, srv *refserver.Server, n int, msg string) {
	t.Helper()
	assert.Eventually(t, func() bool { return srv.SessionCount() == n }, 3*time.Second, 10*time.Millisecond,
		"%s: SessionCount stayed %d, want %d", msg, srv.SessionCount(), n)
}

// The echo fixtures: what echo.js sends, and so what must come back.
