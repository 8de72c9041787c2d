package engine

import (
	"container/heap"
	"sync"
	"time"
)

// pingTimers runs the ping timers of a server's sessions (EIO-5) from one
// heap and one time.Timer, instead of a time.Timer each: a timer and its
// callback took ~130 bytes of every idle session (issue 16). When the timer
// fires, the sessions that are due have onTimer called one after another
// on its goroutine; onTimer never blocks (Send queues, fail closes).
//
// Times are on the server's clock (Server.clock). Lock order: a session's
// mu, then pingTimers.mu; onTimer is called with neither held.
type pingTimers struct {
	mu    sync.Mutex
	due   sessionHeap
	timer *time.Timer   // fires at due[0].timerAt; nil until first needed
	armed time.Duration // when timer fires; 0: stopped
	clock func() time.Duration
}

// set (re)arms s's timer to fire at the time at.
func (t *pingTimers) set(s *Session, at time.Duration) {
	t.mu.Lock()
	s.timerAt = at
	if s.timerIdx < 0 {
		heap.Push(&t.due, s)
	} else {
		heap.Fix(&t.due, int(s.timerIdx))
	}
	t.rearmLocked()
	t.mu.Unlock()
}

// stop disarms s's timer; an onTimer already on its way may still run.
func (t *pingTimers) stop(s *Session) {
	t.mu.Lock()
	if s.timerIdx >= 0 {
		heap.Remove(&t.due, int(s.timerIdx))
		t.rearmLocked()
	}
	t.mu.Unlock()
}

// rearmLocked points the time.Timer at the earliest session, if it does not
// already point there.
func (t *pingTimers) rearmLocked() {
	if len(t.due) == 0 {
		if t.armed != 0 {
			t.timer.Stop()
			t.armed = 0
		}
		return
	}
	at := t.due[0].timerAt
	if at == t.armed {
		return
	}
	t.armed = at
	d := at - t.clock()
	if t.timer == nil {
		t.timer = time.AfterFunc(d, t.fire)
		return
	}
	t.timer.Reset(d)
}

// fire takes the sessions that are due off the heap and runs their onTimer.
func (t *pingTimers) fire() {
	var ready []*Session
	t.mu.Lock()
	now := t.clock()
	for len(t.due) > 0 && t.due[0].timerAt <= now {
		ready = append(ready, heap.Pop(&t.due).(*Session))
	}
	t.armed = 0 // this firing is spent, whatever it found
	t.rearmLocked()
	t.mu.Unlock()
	for _, s := range ready {
		s.onTimer()
	}
}

// sessionHeap is a min-heap of sessions on timerAt; each session knows its
// index.
type sessionHeap []*Session

func (h sessionHeap) Len() int           { return len(h) }
func (h sessionHeap) Less(i, j int) bool { return h[i].timerAt < h[j].timerAt }
func (h sessionHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].timerIdx = int32(i)
	h[j].timerIdx = int32(j)
}

func (h *sessionHeap) Push(x any) {
	s := x.(*Session)
	s.timerIdx = int32(len(*h))
	*h = append(*h, s)
}

func (h *sessionHeap) Pop() any {
	old := *h
	s := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	s.timerIdx = -1
	return s
}
