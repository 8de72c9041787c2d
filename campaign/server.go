package campaign

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrServer is wrapped by the errors of a managed server that did not
// start.
var ErrServer = errors.New("campaign: managed server")

// The defaults of ServerConfig.
const (
	DefaultReadyTimeout = 60 * time.Second
	DefaultStopTimeout  = 10 * time.Second
	// SessionsPerProcess is how many sessions one refserver process is
	// given before the population is spread over more processes: a process
	// holds ~19,900 open files here (RLIMIT_NOFILE less 100), and this
	// leaves room for its own.
	SessionsPerProcess = 15000
)

// ServerConfig is how to start one managed refserver.
type ServerConfig struct {
	// Exe is the stampede binary; "": this program (os.Executable). Env
	// is added to its environment.
	Exe string
	Env []string
	// Args are serve's flags, as --name=value (Settings.Args). --addr is
	// added (127.0.0.1:0) unless present, and --log-level=warn unless
	// present.
	Args []string
	// Secret signs the population's tokens; passed as WEBUI_SECRET_KEY,
	// never on the command line.
	Secret []byte
	// Processes is serve's --processes (0 or 1: one process). More than one
	// joins them through Redis on a channel and key prefix of their own.
	Processes int
	// Log receives the server's stderr; nil: discarded (the last lines are
	// kept for the error of a server that did not start).
	Log io.Writer
	// ReadyTimeout bounds the wait for the ready line; 0: DefaultReadyTimeout.
	ReadyTimeout time.Duration
	// StopTimeout is how long Stop waits after SIGTERM before killing; 0:
	// DefaultStopTimeout.
	StopTimeout time.Duration
}

// Server is a managed refserver, a child process.
type Server struct {
	// URL is the base URL it serves (http://127.0.0.1:PORT), without the
	// Socket.IO path.
	URL string
	// Args are the serve flags it runs with, as given to the child.
	Args []string

	cmd     *exec.Cmd
	stop    time.Duration
	exited  chan struct{}
	waitErr error
	tail    *tailBuffer
	once    sync.Once
}

// readyLine finds the URL in serve's ready line.
var readyLine = regexp.MustCompile(`ready on (https?://[^/\s]+)`)

// StartServer starts a refserver and waits until it prints its ready
// line. ctx bounds the start only; Stop ends the server.
func StartServer(ctx context.Context, cfg ServerConfig) (*Server, error) {
	exe := cfg.Exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("%w: cannot find this binary: %v", ErrServer, err)
		}
	}
	args := serveArgs(cfg.Args, cfg.Processes, strconv.FormatInt(time.Now().UnixNano(), 36))
	cmd := exec.Command(exe, append([]string{"serve"}, args...)...)
	cmd.Env = append(append(os.Environ(), cfg.Env...), "WEBUI_SECRET_KEY="+string(cfg.Secret))
	cmd.SysProcAttr = childAttr()
	tail := &tailBuffer{max: 4 << 10}
	cmd.Stderr = tail
	if cfg.Log != nil {
		cmd.Stderr = io.MultiWriter(tail, cfg.Log)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrServer, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrServer, err)
	}
	s := &Server{Args: args, cmd: cmd, stop: positive(cfg.StopTimeout, DefaultStopTimeout), exited: make(chan struct{}), tail: tail}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := readyLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case ready <- m[1]:
				default:
				}
			}
		}
		s.waitErr = cmd.Wait() // after stdout is drained
		close(s.exited)
	}()
	timer := time.NewTimer(positive(cfg.ReadyTimeout, DefaultReadyTimeout))
	defer timer.Stop()
	select {
	case u := <-ready:
		s.URL = u
		return s, nil
	case <-s.exited:
		return nil, fmt.Errorf("%w: stampede serve %s exited before it was ready (%v): %s", ErrServer, strings.Join(args, " "), s.waitErr, tail.String())
	case <-timer.C:
		s.Stop()
		return nil, fmt.Errorf("%w: stampede serve %s printed no ready line within %v: %s", ErrServer, strings.Join(args, " "), positive(cfg.ReadyTimeout, DefaultReadyTimeout), tail.String())
	case <-ctx.Done():
		s.Stop()
		return nil, ctx.Err()
	}
}

// Stop ends the server: SIGTERM (it drains and exits), then SIGKILL when
// it has not exited within the stop timeout. It returns once the process
// is gone; calling it again does nothing.
func (s *Server) Stop() {
	s.once.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
			return
		case <-time.After(s.stop):
		}
		_ = s.cmd.Process.Kill()
		<-s.exited
	})
}

// Pid is the server's process id (the first process of --processes).
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Pids are the server's processes: Pid, then the extra processes of
// --processes that it started (on Linux; elsewhere Pid alone). Read them
// while it runs: after Stop they are gone.
func (s *Server) Pids() []int { return append([]int{s.Pid()}, descendants(s.Pid())...) }

// Exited reports whether the server process has ended.
func (s *Server) Exited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// Target is the URL a scenario's clients use on this server: the
// scenario's own URL (its path names the namespace) with the server's
// scheme and host; "" (no URL in the scenario): the server's URL.
func (s *Server) Target(scenarioURL string) string {
	u, err := url.Parse(scenarioURL)
	base, berr := url.Parse(s.URL)
	if scenarioURL == "" || err != nil || berr != nil {
		return s.URL
	}
	u.Scheme, u.Host = base.Scheme, base.Host
	return u.String()
}

// serveArgs are the child's flags: args, then --addr and --log-level
// unless args have them, and for processes > 1 --processes with a Redis
// deployment of its own (channel and key prefix named after id), websocket
// only.
func serveArgs(args []string, processes int, id string) []string {
	out := append([]string(nil), args...)
	has := func(name string) bool {
		for _, a := range args {
			n := strings.TrimLeft(a, "-")
			if n == name || strings.HasPrefix(n, name+"=") {
				return true
			}
		}
		return false
	}
	if !has("addr") {
		out = append(out, "--addr=127.0.0.1:0")
	}
	if !has("log-level") {
		out = append(out, "--log-level=warn")
	}
	if processes > 1 {
		out = append(out, "--processes="+strconv.Itoa(processes), "--manager=redis",
			"--redis-channel=stampede-campaign-"+id, "--redis-key-prefix=stampede-campaign-"+id)
		if !has("transports") {
			out = append(out, "--transports=websocket")
		}
	}
	return out
}

// ProcessesFor is how many refserver processes a population of peak
// sessions needs, per sessions each (0: SessionsPerProcess).
func ProcessesFor(peak, per int) int {
	if per <= 0 {
		per = SessionsPerProcess
	}
	return max(1, (peak+per-1)/per)
}

func positive(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := string(bytes.TrimSpace(t.buf))
	if s == "" {
		return "(nothing on stderr)"
	}
	return s
}
