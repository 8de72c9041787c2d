package deep

import (
	"sync"
	"time"
)

// IdleTimeout is how long an idle worker waits for the next job before it
// exits.
const IdleTimeout = 100 * time.Millisecond

// Runner runs its handler on pooled goroutines. It is safe for concurrent
// use; each Run waits for its own job.
type Runner[T any] struct {
	handle func(T) error
	jobs   sync.Pool
	idle   chan *job[T] // unbuffered: a send succeeds when a worker is idle
}

type job[T any] struct {
	v    T
	err  error
	done chan struct{}
}

// New returns a Runner of handle.
func New[T any](handle func(T) error) *Runner[T] {
	r := &Runner[T]{handle: handle, idle: make(chan *job[T])}
	r.jobs.New = func() any { return &job[T]{done: make(chan struct{}, 1)} }
	return r
}

// Run calls handle(v) on an idle worker, or a new one when none is idle,
// and returns its error once it is done.
func (r *Runner[T]) Run(v T) error {
	j := r.jobs.Get().(*job[T])
	j.v = v
	select {
	case r.idle <- j:
	default:
		go r.work(j)
	}
	<-j.done
	err := j.err
	*j = job[T]{done: j.done}
	r.jobs.Put(j)
	return err
}

func (r *Runner[T]) work(j *job[T]) {
	t := time.NewTimer(IdleTimeout)
	defer t.Stop()
	for {
		j.err = r.handle(j.v)
		j.done <- struct{}{}
		t.Reset(IdleTimeout)
		select {
		case j = <-r.idle:
		case <-t.C:
			return
		}
	}
}
