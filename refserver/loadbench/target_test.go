package loadbench

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
)

// benchTarget is the server the benchmarks load, chosen with
// STAMPEDE_BENCH_TARGET, so that the refserver and its peers are measured
// by the same client in the same sitting (bench/vs-node.sh, issue 16):
//
//   - stampede (default): `stampede serve`, the echo namespace /echo;
//   - node: testdata/node/echo-server.js (socket.io 4.8), namespace /custom,
//     which has the same echo contract (ECHO-1 … ECHO-7);
//   - raw: a plain gorilla/websocket server in a child process (this test
//     binary, rawServeEnv) that answers just enough of the handshake and
//     writes each shout, framed once, to every connection in turn: the
//     floor of what any server in Go can do with one write per delivery.
type benchTarget struct {
	name  string
	path  string         // the Socket.IO path
	nsp   string         // the namespace as packets carry it, with its comma
	ready *regexp.Regexp // the child's line that gives its address
	cmd   func(testing.TB) *exec.Cmd
}

var readyURL = regexp.MustCompile(`ready on http://([^/\s]+)/`)

var targets = map[string]benchTarget{
	"stampede": {name: "stampede", path: "/ws/socket.io/", nsp: "/echo,", ready: readyURL, cmd: func(tb testing.TB) *exec.Cmd {
		// A --secret of its own, so that serve prints no note on stderr.
		cmd := exec.Command(stampedeBinary(tb), "serve", "--addr", "127.0.0.1:0", "--log-level", "error", "--secret", "loadbench")
		if profileDir != "" {
			cmd.Args = append(cmd.Args, "--debug-addr", profileAddr)
			cmd.Env = append(os.Environ(), "GODEBUG=memprofilerate="+profileRate)
		}
		return cmd
	}},
	"node": {name: "node", path: "/socket.io/", nsp: "/custom,", ready: regexp.MustCompile(`listening (\d+)`), cmd: func(testing.TB) *exec.Cmd {
		cmd := exec.Command("node", "echo-server.js", "0")
		cmd.Dir = "../../testdata/node"
		// Pings as the refserver's defaults, not the tests' 300 ms.
		cmd.Env = append(os.Environ(), "ECHO_PING_INTERVAL=25000", "ECHO_PING_TIMEOUT=20000")
		return cmd
	}},
	"raw": {name: "raw", path: "/ws/socket.io/", nsp: "/echo,", ready: readyURL, cmd: func(testing.TB) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), rawServeEnv+"=1")
		return cmd
	}},
}

var target = func() benchTarget {
	name := os.Getenv("STAMPEDE_BENCH_TARGET")
	if name == "" {
		name = "stampede"
	}
	t, ok := targets[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "STAMPEDE_BENCH_TARGET=%q: want stampede, node or raw\n", name)
		os.Exit(2)
	}
	return t
}()

// node's ready line gives a port; the others give host:port.
func (t benchTarget) addr(m string) string {
	if t.name == "node" {
		return "127.0.0.1:" + m
	}
	return m
}

const rawServeEnv = "STAMPEDE_BENCH_RAW_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(rawServeEnv) != "" {
		if err := serveRaw(); err != nil {
			fmt.Fprintln(os.Stderr, "raw server:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// rawHub is the raw floor server: every connection is in the one room.
type rawHub struct {
	mu    sync.Mutex
	conns map[*rawConn]struct{}
}

type rawConn struct {
	mu sync.Mutex // one writer at a time
	ws *websocket.Conn
}

func (c *rawConn) send(pm *websocket.PreparedMessage) {
	c.mu.Lock()
	c.ws.WritePreparedMessage(pm)
	c.mu.Unlock()
}

func (c *rawConn) text(s string) {
	c.mu.Lock()
	c.ws.WriteMessage(websocket.TextMessage, []byte(s))
	c.mu.Unlock()
}

func serveRaw() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	h := &rawHub{conns: make(map[*rawConn]struct{})}
	up := websocket.Upgrader{ReadBufferSize: 512, WriteBufferSize: 1024, WriteBufferPool: &sync.Pool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws/socket.io/", func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		c := &rawConn{ws: ws}
		c.text(`0{"sid":"raw","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`)
		h.mu.Lock()
		h.conns[c] = struct{}{}
		h.mu.Unlock()
		go h.read(c)
	})
	go func() { // like the Node server: gone when the benchmark closes stdin
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	fmt.Printf("ready on http://%s/\n", ln.Addr())
	return http.Serve(ln, mux)
}

// read answers the handshake, joins and messages of the echo contract by
// their text, and broadcasts each shout's payload as `shouted`.
func (h *rawHub) read(c *rawConn) {
	defer func() {
		h.mu.Lock()
		delete(h.conns, c)
		h.mu.Unlock()
		c.ws.Close()
	}()
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		msg := string(data)
		switch {
		case msg == "40/echo,":
			c.text(`40/echo,{"sid":"raw"}`)
			c.text(`42/echo,["auth",{}]`)
		case strings.Contains(msg, `["join"`):
			id := strings.TrimPrefix(msg[:strings.IndexByte(msg, '[')], "42/echo,")
			c.text(`43/echo,` + id + `["joined"]`)
		case strings.Contains(msg, `["message"`):
			c.text(`42/echo,["message-back","hello"]`)
		case strings.HasPrefix(msg, `42/echo,["shout","bench",`):
			h.broadcast(`42/echo,["shouted",` + strings.TrimPrefix(msg, `42/echo,["shout","bench",`))
		}
	}
}

func (h *rawHub) broadcast(msg string) {
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, []byte(msg))
	if err != nil {
		return
	}
	h.mu.Lock()
	conns := make([]*rawConn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.send(pm)
	}
}
