package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/refserver"
)

// Restart backoff of a child that died: the first restart after
// restartMin, doubling up to restartMax; a child that ran restartReset
// without dying starts over at restartMin.
const (
	restartMin   = 500 * time.Millisecond
	restartMax   = 30 * time.Second
	restartReset = time.Minute
)

// children are the extra processes of --processes, one slot each. Every
// slot has a supervisor goroutine that waits for its process and restarts
// it after a backoff until stop. The group's state (how many of the N are
// up, the parent included) goes to the parent's own server and, as a line
// "processes UP OF" on their stdin, to every child, so that /healthz
// reports it on whichever process the kernel hands the connection to.
type children struct {
	exe    string
	args   []string
	stderr io.Writer
	log    *slog.Logger
	report func(refserver.Processes) // the parent's own server

	mu       sync.Mutex
	slots    []*child
	stopping bool
	quit     chan struct{}
	wg       sync.WaitGroup
}

// errStopping is start's error once stop has begun.
var errStopping = errors.New("--processes: stopping")

// child is one process of a slot.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	up    bool          // ready and not yet exited
	ended chan struct{} // closed once its stdout is drained (it exited)
}

// startChildren starts n processes, waits until each is ready, and
// supervises them until stop.
func startChildren(e env, n int, args []string, log *slog.Logger, report func(refserver.Processes)) (*children, error) {
	exe, err := selfExecutable()
	if err != nil {
		return nil, fmt.Errorf("--processes: cannot find this binary: %w", err)
	}
	c := &children{exe: exe, args: args, stderr: e.stderr, log: log, report: report,
		slots: make([]*child, n), quit: make(chan struct{})}
	ready := make(chan error, n)
	for i := range n {
		k, err := c.start(i, ready)
		if err != nil {
			c.stop(time.Second)
			return nil, fmt.Errorf("--processes: %w", err)
		}
		c.wg.Go(func() { c.supervise(i, k) })
	}
	timeout := time.After(30 * time.Second)
	for range n {
		select {
		case err := <-ready:
			if err != nil {
				c.stop(time.Second)
				return nil, err
			}
		case <-timeout:
			c.stop(time.Second)
			return nil, errors.New("--processes: a process was not ready within 30s")
		}
	}
	return c, nil
}

// start runs the process of slot i; ready gets nil when it is ready, or an
// error if it ends first (nil ready: not waited for).
func (c *children) start(i int, ready chan<- error) (*child, error) {
	cmd := exec.Command(c.exe, append([]string{"serve"}, c.args...)...)
	cmd.Stderr = c.stderr
	dieWithParent(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	// Started under the lock, so that stop sees every process it must end.
	c.mu.Lock()
	if c.stopping {
		c.mu.Unlock()
		return nil, errStopping
	}
	if err := cmd.Start(); err != nil {
		c.mu.Unlock()
		return nil, err
	}
	k := &child{cmd: cmd, stdin: stdin, ended: make(chan struct{})}
	c.slots[i] = k
	c.mu.Unlock()
	go func() {
		defer close(k.ended)
		err := c.awaitReady(k, out)
		if ready != nil {
			ready <- err
		}
		io.Copy(io.Discard, out)
	}()
	return k, nil
}

// awaitReady marks k up at its ready line; an error if it ends first.
func (c *children) awaitReady(k *child, out io.Reader) error {
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "ready on") {
			c.setUp(k, true)
			return nil
		}
	}
	return errors.New("--processes: a process exited before it was ready (its errors are above)")
}

// supervise waits for slot i's process and restarts it, with backoff, each
// time it dies, until stop.
func (c *children) supervise(i int, k *child) {
	wait := restartMin
	for {
		began := time.Now()
		<-k.ended // Wait only after stdout is drained, as os/exec asks
		err := k.cmd.Wait()
		c.setUp(k, false)
		if c.isStopping() {
			return
		}
		if time.Since(began) >= restartReset {
			wait = restartMin
		}
		c.log.Error("serve --processes: a process exited; restarting it", "pid", k.cmd.Process.Pid, "status", exitStatus(err), "restart_in", wait)
		for {
			select {
			case <-c.quit:
				return
			case <-time.After(wait):
			}
			wait = min(2*wait, restartMax)
			next, err := c.start(i, nil)
			if errors.Is(err, errStopping) {
				return
			}
			if err == nil {
				k = next
				c.log.Info("serve --processes: process restarted", "pid", k.cmd.Process.Pid)
				break
			}
			c.log.Error("serve --processes: restarting a process failed", "err", err, "retry_in", wait)
		}
	}
}

// exitStatus says how a process ended: "exit status 1", "signal: killed".
func exitStatus(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// setUp records whether k is up and tells the group how many are.
func (c *children) setUp(k *child, up bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k.up = up
	p := refserver.Processes{Up: 1, Of: len(c.slots) + 1} // the parent is up while it runs this
	for _, s := range c.slots {
		if s != nil && s.up {
			p.Up++
		}
	}
	line := fmt.Sprintf("processes %d %d\n", p.Up, p.Of)
	for _, s := range c.slots {
		if s != nil && s.up {
			io.WriteString(s.stdin, line) // a child that just died: nothing to tell
		}
	}
	c.report(p)
}

func (c *children) isStopping() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopping
}

// stop ends supervision, sends SIGINT to every child, as a signal to the
// group would, waits for them to drain within grace, then kills what is
// left.
func (c *children) stop(grace time.Duration) {
	c.mu.Lock()
	if !c.stopping {
		c.stopping = true
		close(c.quit)
	}
	kids := append([]*child(nil), c.slots...)
	c.mu.Unlock()
	for _, k := range kids {
		if k != nil {
			k.cmd.Process.Signal(os.Interrupt)
		}
	}
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		for _, k := range kids {
			if k != nil {
				k.cmd.Process.Kill()
			}
		}
		<-done
	}
}

// followGroup reads the parent's "processes UP OF" lines (--group-status)
// and has srv's /healthz report them, until the parent closes the pipe.
func followGroup(r io.Reader, srv *refserver.Server) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var p refserver.Processes
		if _, err := fmt.Sscanf(sc.Text(), "processes %d %d", &p.Up, &p.Of); err == nil {
			srv.SetProcesses(p)
		}
	}
}
