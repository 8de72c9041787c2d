package loadbench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// server is a `stampede serve` child process.
type server struct {
	cmd  *exec.Cmd
	addr string
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func stampedeBinary(tb testing.TB) string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stampede-bench")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "stampede")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/stampede-sio/stampede/cmd/stampede").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return binPath
}

// startServer starts the server under test (target.go) as a child
// process and returns once it listens.
func startServer(tb testing.TB) *server {
	tb.Helper()
	if addr := os.Getenv("STAMPEDE_BENCH_ADDR"); addr != "" {
		return &server{addr: addr} // a server someone else runs, e.g. to profile it
	}
	cmd := target.cmd(tb)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdin, err := cmd.StdinPipe() // the Node server exits when its stdin closes
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt) // ignored by a child of a background job unless it asks for it
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	m := target.ready.FindStringSubmatch(line)
	if err != nil || m == nil {
		tb.Fatalf("no ready line from the %s server: %q %v", target.name, line, err)
	}
	return &server{cmd: cmd, addr: target.addr(m[1])}
}

// rssBytes reads the server's resident set size from /proc.
func (s *server) rssBytes(tb testing.TB) int64 {
	if s.cmd == nil {
		tb.Skip("STAMPEDE_BENCH_ADDR: the server is not ours to measure")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		tb.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	tb.Fatal("VmRSS not found")
	return 0
}

// cpuSeconds reads the server's user+system CPU time from /proc/PID/stat;
// ok is false when the server is not a child of ours.
func (s *server) cpuSeconds() (float64, bool) {
	if s.cmd == nil {
		return 0, false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0, false
	}
	// Fields after the parenthesised command name; utime and stime are the
	// 14th and 15th fields of the whole line, in clock ticks (100 per second).
	rest := string(b[strings.LastIndexByte(string(b), ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, false
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100, true
}

// client is a raw Engine.IO + Socket.IO websocket client on /echo.
type client struct {
	ws       *websocket.Conn
	mu       sync.Mutex // one writer at a time
	received atomic.Int64
	latMu    sync.Mutex
	lat      []int64 // µs from a timed shout's send to its arrival (BenchmarkFanoutRate)
}

var dialer = websocket.Dialer{ReadBufferSize: 1024, WriteBufferSize: 1024, HandshakeTimeout: 10 * time.Second}

// dial opens a session and connects to /echo; it returns when the CONNECT
// reply and the ECHO-2 auth event have arrived.
func dial(ctx context.Context, addr string) (*client, error) {
	return dialCustom(ctx, &dialer, addr)
}

func dialCustom(ctx context.Context, d *websocket.Dialer, addr string) (*client, error) {
	ws, _, err := d.DialContext(ctx, "ws://"+addr+target.path+"?EIO=4&transport=websocket", http.Header{})
	if err != nil {
		return nil, err
	}
	c := &client{ws: ws}
	if _, _, err := ws.ReadMessage(); err != nil { // OPEN
		ws.Close()
		return nil, err
	}
	if err := c.write("40" + target.nsp); err != nil {
		ws.Close()
		return nil, err
	}
	for range 2 { // CONNECT reply, then the auth event
		if _, _, err := ws.ReadMessage(); err != nil {
			ws.Close()
			return nil, err
		}
	}
	return c, nil
}

func (c *client) write(s string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ws.WriteMessage(websocket.TextMessage, []byte(s))
}

// sentMicros reads the send time of a timed shout, `{"t":<µs>}`.
func sentMicros(data []byte) (int64, bool) {
	i := bytes.Index(data, []byte(`{"t":`))
	if i < 0 {
		return 0, false
	}
	n, ok := int64(0), false
	for _, b := range data[i+5:] {
		if b < '0' || b > '9' {
			break
		}
		n, ok = n*10+int64(b-'0'), true
	}
	return n, ok
}

// readLoop answers pings and counts every other message.
func (c *client) readLoop() {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		if len(data) == 1 && data[0] == '2' {
			c.write("3")
			continue
		}
		if sent, ok := sentMicros(data); ok {
			c.latMu.Lock()
			c.lat = append(c.lat, time.Now().UnixMicro()-sent)
			c.latMu.Unlock()
		}
		c.received.Add(1)
	}
}

// dialMany opens n sessions with `parallel` dials in flight.
func dialMany(tb testing.TB, addr string, n, parallel int) []*client {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	clients := make([]*client, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, parallel)
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				c, err := dial(ctx, addr)
				if err != nil {
					errs <- fmt.Errorf("dial %d: %w", i, err)
					return
				}
				clients[i] = c
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		closeAll(clients)
		tb.Fatal(err)
	}
	tb.Cleanup(func() { closeAll(clients) })
	return clients
}

func closeAll(clients []*client) {
	for _, c := range clients {
		if c != nil {
			c.ws.Close()
		}
	}
}

func sessions(tb testing.TB) int {
	if s := os.Getenv("STAMPEDE_BENCH_SESSIONS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			tb.Fatalf("STAMPEDE_BENCH_SESSIONS=%q: want a positive integer", s)
		}
		return n
	}
	return 10000
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(tb testing.TB, d time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
