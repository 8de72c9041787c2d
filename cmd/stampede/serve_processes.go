package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Several processes on one port (serve --processes N): the machine allows
// ~20,000 open files per process, so a refserver that must hold more
// sessions runs as N processes that share the listening address
// (SO_REUSEPORT: the kernel spreads new connections over them) and form one
// deployment through Redis (--manager redis, SCALE). The first process
// starts the others with its own arguments and stops them when it stops.
// Each TCP connection stays on one process, so this needs the websocket
// transport: polling sessions would need sticky routing, as open-webui's
// workers do.

// selfExecutable is the binary the extra processes run; tests replace it.
var selfExecutable = os.Executable

// listenServe opens the listening socket: shared with the other processes
// of --processes (SO_REUSEPORT) when reusePort is set.
func listenServe(addr string, reusePort bool) (net.Listener, error) {
	if !reusePort {
		return net.Listen("tcp", addr)
	}
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = setReusePort(fd) })
		return errors.Join(err, serr)
	}}
	return lc.Listen(context.Background(), "tcp", addr)
}

// checkProcesses refuses --processes combinations that cannot work.
func checkProcesses(sf serveFlags, redis bool, transports []string) error {
	switch {
	case sf.processes < 1:
		return usagef("--processes must be at least 1")
	case sf.processes == 1:
		return nil
	case !reusePortSupported:
		return usagef("--processes needs SO_REUSEPORT, which this system lacks: run one serve per port instead")
	case !redis:
		return usagef("--processes %d needs --manager redis: the processes form one deployment through Redis", sf.processes)
	case len(transports) != 1 || transports[0] != "websocket":
		return usagef("--processes %d needs --transports websocket: polling sessions would need sticky routing", sf.processes)
	}
	return nil
}

// childArgs are the arguments of the extra processes: the parent's own,
// without --processes, on the address the parent resolved.
func childArgs(args []string, addr string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name := strings.TrimLeft(a, "-")
		switch {
		case name == "processes" && !strings.Contains(a, "="):
			i++ // and its value
			continue
		case strings.HasPrefix(name, "processes="):
			continue
		}
		out = append(out, a)
	}
	return append(out, "--addr", addr, "--reuseport")
}

// children are the extra processes of --processes.
type children struct {
	cmds []*exec.Cmd
	wg   sync.WaitGroup
}

// startChildren starts n processes and waits until each is ready.
func startChildren(e env, n int, args []string) (*children, error) {
	exe, err := selfExecutable()
	if err != nil {
		return nil, fmt.Errorf("--processes: cannot find this binary: %w", err)
	}
	ch := &children{}
	ready := make(chan error, n)
	for range n {
		cmd := exec.Command(exe, append([]string{"serve"}, args...)...)
		cmd.Stderr = e.stderr
		dieWithParent(cmd)
		out, err := cmd.StdoutPipe()
		if err == nil {
			err = cmd.Start()
		}
		if err != nil {
			ch.stop(time.Second)
			return nil, fmt.Errorf("--processes: %w", err)
		}
		ch.cmds = append(ch.cmds, cmd)
		ch.wg.Go(func() { awaitReady(out, ready) })
	}
	timeout := time.After(30 * time.Second)
	for range n {
		select {
		case err := <-ready:
			if err != nil {
				ch.stop(time.Second)
				return nil, err
			}
		case <-timeout:
			ch.stop(time.Second)
			return nil, errors.New("--processes: a process was not ready within 30s")
		}
	}
	return ch, nil
}

// awaitReady reports the child's ready line (or its end), then drains its
// stdout.
func awaitReady(out io.Reader, ready chan<- error) {
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "ready on") {
			ready <- nil
			io.Copy(io.Discard, out)
			return
		}
	}
	ready <- errors.New("--processes: a process exited before it was ready (its errors are above)")
}

// stop sends SIGINT to every child, as a signal to the group would, and
// waits for them to drain within grace, then kills what is left.
func (c *children) stop(grace time.Duration) {
	for _, cmd := range c.cmds {
		if cmd.Process != nil {
			cmd.Process.Signal(os.Interrupt)
		}
	}
	done := make(chan struct{})
	go func() {
		for _, cmd := range c.cmds {
			if cmd.Process != nil {
				cmd.Wait()
			}
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(grace):
		for _, cmd := range c.cmds {
			if cmd.Process != nil {
				cmd.Process.Kill()
			}
		}
		<-done
	}
	c.wg.Wait()
}
