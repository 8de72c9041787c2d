package loadbench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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

var readyURL = regexp.MustCompile(`ready on http://([^/\s]+)/`)

func startServer(tb testing.TB, args ...string) *server {
	tb.Helper()
	if addr := os.Getenv("STAMPEDE_BENCH_ADDR"); addr != "" {
		return &server{addr: addr} // a server someone else runs, e.g. to profile it
	}
	cmd := exec.Command(stampedeBinary(tb), append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "error"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	m := readyURL.FindStringSubmatch(line)
	if err != nil || m == nil {
		tb.Fatalf("no ready line from stampede serve: %q %v", line, err)
	}
	return &server{cmd: cmd, addr: m[1]}
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
}

var dialer = websocket.Dialer{ReadBufferSize: 1024, WriteBufferSize: 1024, HandshakeTimeout: 10 * time.Second}

// dial opens a session and connects to /echo; it returns when the CONNECT
// reply and the ECHO-2 auth event have arrived.
func dial(ctx context.Context, addr string) (*client, error) {
	return dialCustom(ctx, &dialer, addr)
}

func dialCustom(ctx context.Context, d *websocket.Dialer, addr string) (*client, error) {
	ws, _, err := d.DialContext(ctx, "ws://"+addr+"/ws/socket.io/?EIO=4&transport=websocket", http.Header{})
	if err != nil {
		return nil, err
	}
	c := &client{ws: ws}
	if _, _, err := ws.ReadMessage(); err != nil { // OPEN
		ws.Close()
		return nil, err
	}
	if err := c.write("40/echo,"); err != nil {
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
