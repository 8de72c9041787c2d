package main

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
)

// Several processes on one port (serve --processes N): the machine allows
// ~20,000 open files per process, so a refserver that must hold more
// sessions runs as N processes that share the listening address
// (SO_REUSEPORT: the kernel spreads new connections over them) and form one
// deployment through Redis (--manager redis, SCALE). The first process
// starts the others with its own arguments and stops them when it stops.
// Each TCP connection stays on one process, so this needs the websocket
// transport: polling sessions would need sticky routing, as open-webui's
// workers do. The first process supervises the others (serve_children.go):
// one that dies is logged and restarted, and every process's /healthz says
// how many of the N are up.

// selfExecutable is the binary the extra processes run; tests replace it.
var selfExecutable = os.Executable

// listenServe opens the listening socket: shared with the other processes
// of --processes (SO_REUSEPORT) when reusePort is set. Accepted connections
// get no TCP keepalive: Engine.IO's pings find dead peers (EIO-5), as in
// Node, whose HTTP server leaves it off too, and Go's default cost four
// setsockopt calls per connection (issue 16: a handshake is mostly syscalls).
func listenServe(addr string, reusePort bool) (net.Listener, error) {
	lc := net.ListenConfig{KeepAlive: -1}
	if reusePort {
		lc.Control = func(_, _ string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) { serr = setReusePort(fd) })
			return errors.Join(err, serr)
		}
	}
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
	return append(out, "--addr", addr, "--reuseport", "--group-status")
}
