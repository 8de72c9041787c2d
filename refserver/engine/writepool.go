package engine

import (
	"net"
	"runtime"
	"sync"
	"time"
)

// writerIdle is how long an idle writer waits for work before it exits.
const writerIdle = 100 * time.Millisecond

// writePool drains the websocket sessions that Send made busy (issue 16).
// A few writers, whose stacks have grown once, take ready sessions in turn
// and write one batch each without blocking (tryWrite); a session with more
// queued goes to the back of the line, so one busy session does not hold a
// writer while others wait, and frames that arrive meanwhile join its next
// batch. A session whose socket takes less than its batch is a slow reader:
// it gets a goroutine of its own that may wait on the socket (up to
// WriteTimeout), as every busy session did before, so the writers never
// wait on a client. An idle session costs the pool nothing.
type writePool struct {
	mu      sync.Mutex
	ready   []*Session // FIFO from head
	head    int
	workers int
	idle    int           // workers waiting for a wake-up that nobody has claimed
	wake    chan struct{} // one token per claimed idle worker
	max     int
}

func newWritePool() *writePool {
	n := max(2, runtime.GOMAXPROCS(0))
	return &writePool{max: n, wake: make(chan struct{}, n)}
}

// schedule puts a busy session in line.
func (p *writePool) schedule(s *Session) {
	p.mu.Lock()
	p.ready = append(p.ready, s)
	switch {
	case p.idle > 0:
		p.idle--
		p.wake <- struct{}{} // never blocks: at most one token per waiting worker
	case p.workers < p.max:
		p.workers++
		go p.work()
	}
	p.mu.Unlock()
}

// next takes the session at the head of the line, or nil.
func (p *writePool) next() *Session {
	if p.head == len(p.ready) {
		return nil
	}
	s := p.ready[p.head]
	p.ready[p.head] = nil
	p.head++
	if p.head == len(p.ready) {
		p.ready, p.head = p.ready[:0], 0
	}
	return s
}

func (p *writePool) work() {
	t := time.NewTimer(writerIdle)
	defer t.Stop()
	for {
		p.mu.Lock()
		s := p.next()
		if s != nil {
			p.mu.Unlock()
			s.flush(p)
			continue
		}
		p.idle++
		p.mu.Unlock()
		t.Reset(writerIdle)
		select {
		case <-p.wake:
			continue
		case <-t.C:
		}
		p.mu.Lock()
		select {
		case <-p.wake: // claimed just as the timer fired: stay
			p.mu.Unlock()
			continue
		default:
		}
		p.idle--
		p.workers--
		p.mu.Unlock()
		return
	}
}

// flush writes one batch of s without blocking, then puts s back in line
// if more is queued, or hands it to a goroutine of its own if the socket
// did not take the whole batch.
func (s *Session) flush(p *writePool) {
	b, ws := s.takeBatch(false)
	if b == nil {
		return
	}
	conn := ws.NetConn()
	rest, err := tryWrite(conn, b.iov)
	if err != nil {
		b.release()
		s.fail(ErrTransportError)
		return
	}
	s.srv.stats.BytesOut.Add(uint64(b.bytes))
	if rest != nil {
		go s.drainRest(conn, b, rest)
		return
	}
	b.release()
	s.mu.Lock()
	if len(s.queue) == 0 {
		s.idleLocked(false)
		return
	}
	s.mu.Unlock()
	p.schedule(s)
}

// drainRest finishes a batch the socket did not take at once, then drains
// the queue, on the session's own goroutine, which may wait on the client.
func (s *Session) drainRest(conn net.Conn, b *batch, rest [][]byte) {
	err := s.writeBlocking(conn, rest)
	b.release()
	if err != nil {
		s.fail(ErrTransportError)
		return
	}
	s.drain()
}
