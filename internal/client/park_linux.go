package client

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
)

// parker waits for the sockets of parked websockets (Options.ParkIdle) with
// one epoll instance and one goroutine for the whole process, so that an
// idle virtual client has no goroutine (and no 2 KiB stack) of its own. A
// registration is one-shot: the event hands the socket to a new read
// goroutine (wsConn.wake), which re-arms it when it parks again.
//
// An event carries the wsConn's slot in a table read without locks; a
// wsConn keeps its slot from its first park to its end. An event for a
// slot given up, or handed on to a newer wsConn, wakes nothing or wakes a
// socket with nothing to read, which parks again: harmless either way.
type parker struct {
	epfd   int
	chunks [slotChunks]atomic.Pointer[[slotChunk]atomic.Pointer[wsConn]]
	mu     sync.Mutex // guards what follows
	free   []uint32
	next   uint32
	broken error // the loop's end: no parking any more
}

// The slot table: up to slotChunks × slotChunk parked-capable sockets
// per process, far beyond the 20,000 open files a process may have.
const (
	slotChunk  = 1024
	slotChunks = 1024
)

var errNoSlot = errors.New("client: parker: no free slot")

var (
	parkOnce  sync.Once
	theParker *parker // nil where epoll cannot be had: parking is off
)

// sharedParker starts the process's parker on first use.
func sharedParker() *parker {
	parkOnce.Do(func() {
		fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			return
		}
		// The epoll fd waits in Go's own netpoller (an epoll set is
		// readable while it has events): the loop is an ordinary goroutine,
		// woken with the others the runtime finds ready, not a thread
		// blocked in epoll_wait that must win a P back for every event.
		f, rc, err := pollable(fd)
		if err != nil {
			return // pollable closed fd
		}
		theParker = &parker{epfd: fd}
		go theParker.loop(f, rc)
	})
	return theParker
}

// pollable registers the epoll fd with Go's netpoller. On an error the fd
// is closed, once: by the *os.File when there is one.
func pollable(fd int) (*os.File, syscall.RawConn, error) {
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, nil, err
	}
	f := os.NewFile(uintptr(fd), "stampede-parker")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, rc, nil
}

// loop wakes the sockets whose events the epoll set holds, taking them
// without waiting and letting the netpoller wait in between. f is kept
// alive here: its finalizer would close the epoll fd.
func (p *parker) loop(f *os.File, rc syscall.RawConn) {
	events := make([]syscall.EpollEvent, 256)
	take := func(fd uintptr) bool {
		for {
			n, err := syscall.EpollWait(int(fd), events, 0)
			if err == syscall.EINTR {
				continue
			}
			if n <= 0 {
				return false // nothing ready: wait in the netpoller
			}
			for _, ev := range events[:n] {
				if ws := p.lookup(uint32(ev.Fd)); ws != nil {
					ws.wake()
				}
			}
			if n < len(events) {
				return false
			}
		}
	}
	err := rc.Read(take) // returns only on an error: the fd is ours and never closed
	runtime.KeepAlive(f)
	// Should it happen all the same, parking ends: the parked wake up, and
	// no one parks again.
	p.mu.Lock()
	p.broken = fmt.Errorf("client: parker: %w", err)
	n := p.next
	p.mu.Unlock()
	for i := range n {
		if ws := p.lookup(i); ws != nil {
			ws.wake()
		}
	}
}

func (p *parker) lookup(slot uint32) *wsConn {
	if c := p.chunks[slot/slotChunk].Load(); c != nil {
		return c[slot%slotChunk].Load()
	}
	return nil
}

// arm registers ws's socket for one readable (or hung-up) event, taking a
// slot for it the first time. A socket that has bytes already is reported
// at once: nothing sent between the caller's last read and arm is missed.
func (p *parker) arm(ws *wsConn) error {
	if !ws.armed {
		if err := p.take(ws); err != nil {
			return err
		}
	}
	ev := syscall.EpollEvent{
		Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT,
		Fd:     int32(ws.slot),
	}
	var err error
	cerr := ws.raw.Control(func(fd uintptr) {
		op := syscall.EPOLL_CTL_MOD
		if !ws.armed {
			op = syscall.EPOLL_CTL_ADD
		}
		if err = syscall.EpollCtl(p.epfd, op, int(fd), &ev); err == nil {
			ws.armed = true
		}
	})
	if cerr != nil {
		return cerr
	}
	return err
}

// take gives ws a slot of its own.
func (p *parker) take(ws *wsConn) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.broken != nil {
		return p.broken
	}
	var slot uint32
	switch {
	case ws.hasSlot:
		slot = ws.slot
	case len(p.free) > 0:
		slot = p.free[len(p.free)-1]
		p.free = p.free[:len(p.free)-1]
	case p.next < slotChunks*slotChunk:
		slot = p.next
		p.next++
		if slot%slotChunk == 0 {
			p.chunks[slot/slotChunk].Store(new([slotChunk]atomic.Pointer[wsConn]))
		}
	default:
		return errNoSlot
	}
	ws.slot, ws.hasSlot = slot, true
	p.chunks[slot/slotChunk].Load()[slot%slotChunk].Store(ws)
	return nil
}

// release gives ws's slot back, as its read loop ends; its socket's
// registration goes with the socket.
func (p *parker) release(ws *wsConn) {
	if !ws.hasSlot {
		return
	}
	p.chunks[ws.slot/slotChunk].Load()[ws.slot%slotChunk].Store(nil)
	p.mu.Lock()
	p.free = append(p.free, ws.slot)
	p.mu.Unlock()
	ws.hasSlot = false
}
