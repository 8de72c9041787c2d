package simulator

import (
	"sync"
	"time"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/simulator/metrics"
)

// heartbeatWorkers is how many goroutines send due heartbeats. A websocket
// write rarely blocks, but a polling one is an HTTP round trip, and a server
// that stops reading stalls a write until the connection dies: a few
// senders keep one stuck client from delaying everyone's heartbeat.
const heartbeatWorkers = 4

// heartbeats is the shared scheduler of every client's heartbeat timer
// (SESS-1, CLIENT-5): a min-heap of items keyed by their next due time,
// one goroutine that sleeps until the earliest is due, and a few workers
// that send. A client costs one item (no timer, no goroutine); an item is
// added when its connection is up and removed when it goes down.
//
// The scheduler goroutine runs only while items exist: the first Add starts
// it, and it ends (with its workers) when the heap is empty, so a run leaves
// nothing behind once its clients are gone.
//
// Like setInterval, an item fires every interval from when it was added;
// one that fires late is not made up for: its next time is one interval
// after the late firing, and a firing whose previous send has not gone out
// yet is skipped. Lateness (send time − due time) is recorded as the
// generator lag metric: a saturated simulator shows there, not as silence.
type heartbeats struct {
	fire func(it *hbItem) // sends one heartbeat
	lag  *metrics.Timer   // may be nil

	mu      sync.Mutex
	heap    []*hbItem
	running bool
	wake    chan struct{} // pokes the sleeping scheduler: the earliest item changed
}

// hbItem is one client's heartbeat timer.
type hbItem struct {
	due   time.Time
	every time.Duration
	idx   int            // position in the heap; -1 when not scheduled
	busy  bool           // a send is queued or running (under heartbeats.mu)
	sock  *client.Socket // what fire sends on (nil in tests); fixed for the item's life
}

type hbJob struct {
	it  *hbItem
	due time.Time
}

func newHeartbeats(fire func(*hbItem), lag *metrics.Timer) *heartbeats {
	return &heartbeats{fire: fire, lag: lag, wake: make(chan struct{}, 1)}
}

// add schedules a new item every interval, first due one interval from now.
func (h *heartbeats) add(sock *client.Socket, every time.Duration) *hbItem {
	it := &hbItem{due: time.Now().Add(every), every: every, sock: sock}
	h.mu.Lock()
	h.push(it)
	first := it.idx == 0
	start := !h.running
	h.running = true
	h.mu.Unlock()
	if start {
		go h.run(make(chan hbJob, heartbeatWorkers))
	} else if first {
		h.poke()
	}
	return it
}

// remove unschedules it; a send already handed to a worker may still happen.
func (h *heartbeats) remove(it *hbItem) {
	if it == nil {
		return
	}
	h.mu.Lock()
	first := it.idx == 0
	if it.idx >= 0 {
		h.removeAt(it.idx)
	}
	h.mu.Unlock()
	if first {
		h.poke()
	}
}

// len is the number of scheduled items.
func (h *heartbeats) len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.heap)
}

func (h *heartbeats) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// run is the scheduler goroutine; work feeds its workers.
func (h *heartbeats) run(work chan hbJob) {
	var wg sync.WaitGroup
	for range heartbeatWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				if h.lag != nil {
					h.lag.Record(time.Since(j.due))
				}
				h.fire(j.it)
				h.mu.Lock()
				j.it.busy = false
				h.mu.Unlock()
			}
		}()
	}
	defer wg.Wait()
	defer close(work)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		h.mu.Lock()
		if len(h.heap) == 0 {
			h.running = false
			h.mu.Unlock()
			return
		}
		it := h.heap[0]
		now := time.Now()
		if wait := it.due.Sub(now); wait > 0 {
			h.mu.Unlock()
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-h.wake:
				timer.Stop()
			}
			continue
		}
		due := it.due
		it.due = due.Add(it.every)
		if !it.due.After(now) {
			it.due = now.Add(it.every) // late by a whole interval: no burst to catch up
		}
		h.down(0)
		if it.busy {
			// Its last send has not gone out yet (stuck workers): like
			// setInterval, skip rather than send twice.
			h.mu.Unlock()
			continue
		}
		it.busy = true
		h.mu.Unlock()
		work <- hbJob{it: it, due: due} // blocks when every worker is stuck: lag shows it
	}
}

// The heap, under mu.

func (h *heartbeats) push(it *hbItem) {
	it.idx = len(h.heap)
	h.heap = append(h.heap, it)
	h.up(it.idx)
}

func (h *heartbeats) removeAt(i int) {
	last := len(h.heap) - 1
	it := h.heap[i]
	if i != last {
		h.swap(i, last)
	}
	h.heap[last] = nil
	h.heap = h.heap[:last]
	if i != last {
		h.down(i)
		h.up(i)
	}
	it.idx = -1
	if len(h.heap) == 0 && cap(h.heap) > 1024 {
		h.heap = nil // a big population has left: give the array back
	}
}

func (h *heartbeats) less(i, j int) bool { return h.heap[i].due.Before(h.heap[j].due) }

func (h *heartbeats) swap(i, j int) {
	h.heap[i], h.heap[j] = h.heap[j], h.heap[i]
	h.heap[i].idx, h.heap[j].idx = i, j
}

func (h *heartbeats) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h *heartbeats) down(i int) {
	n := len(h.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h.swap(i, m)
		i = m
	}
}
