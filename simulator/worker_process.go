package simulator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/reports"
)

// ErrWorker is wrapped by RunWorkers' error when a worker process ended
// without writing its record (it could not run).
var ErrWorker = errors.New("simulator: worker failed")

// DefaultWorkerWaitDelay is how long an interrupted worker has to write its
// partial record before it is killed (WorkerConfig.WaitDelay).
const DefaultWorkerWaitDelay = 30 * time.Second

// workerTail is how many of a failed worker's last output lines its error
// quotes.
const workerTail = 5

// WorkerConfig is a run split over worker processes on this machine, one
// per segment.
type WorkerConfig struct {
	// Segments are the workers' segments (Segment.Split), one process each.
	Segments []Segment
	// Whole is the segment the workers split, listed in the merged record
	// (the zero value, the whole run, lists none).
	Whole Segment
	// Command returns the command that runs seg and writes its record
	// (reports.WriteRunJSON) to out, made with exec.CommandContext(ctx, …).
	// Its stderr carries ProgressJSON lines and log lines. RunWorkers sets
	// its Stdout and Stderr, and makes the end of ctx send it SIGINT.
	Command func(ctx context.Context, seg Segment, out string) *exec.Cmd
	// Progress receives the workers' progress summed, once a second; nil:
	// quiet.
	Progress ProgressFunc
	// Log receives the workers' other output lines, each prefixed with
	// "worker i/n: "; nil: discarded.
	Log io.Writer
	// Dir holds the workers' records; "": a temporary directory, removed
	// afterwards.
	Dir string
	// WaitDelay is how long an interrupted worker may take to write its
	// partial record before it is killed; 0: DefaultWorkerWaitDelay.
	WaitDelay time.Duration
}

// RunWorkers runs one worker process per segment, relays their progress and
// output, waits for them all, and merges their records with
// reports.MergeRuns, which evaluates the thresholds again over the merged
// record. A worker that ends without a readable record fails the run: the
// others are interrupted and RunWorkers returns an error wrapping ErrWorker
// with the worker's last output lines. When ctx is done (SIGINT), the
// workers are interrupted, write their partial records, and the merged
// record is Interrupted.
func RunWorkers(ctx context.Context, cfg WorkerConfig) (*reports.Run, error) {
	if len(cfg.Segments) == 0 || cfg.Command == nil {
		return nil, fmt.Errorf("%w: workers need segments and a command", ErrRunConfig)
	}
	dir := cfg.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "stampede-run-*")
		if err != nil {
			return nil, fmt.Errorf("failed to start workers: %w", err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	parent := ctx
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	relay := newRelay(len(cfg.Segments), cfg.Log)
	if cfg.Progress != nil {
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { relay.report(done, cfg.Progress) })
		defer func() { close(done); wg.Wait() }()
	}
	runs := make([]*reports.Run, len(cfg.Segments))
	var workers sync.WaitGroup
	for i, seg := range cfg.Segments {
		out := filepath.Join(dir, fmt.Sprintf("segment-%d-of-%d.json", seg.I, seg.N))
		workers.Go(func() {
			var err error
			if runs[i], err = runWorker(ctx, cfg, seg, out, relay.worker(i, seg)); err != nil {
				cancel(err) // the run cannot be whole: stop the others (the first failure wins)
			}
		})
	}
	workers.Wait()
	cause := context.Cause(ctx)
	if errors.Is(cause, ErrWorker) && parent.Err() == nil {
		return nil, cause
	}
	var got []*reports.Run
	for _, r := range runs {
		if r != nil {
			got = append(got, r)
		}
	}
	if len(got) == 0 {
		return nil, fmt.Errorf("%w: no worker wrote its record (%v)", ErrWorker, cause)
	}
	merged, err := reports.MergeRuns(got...)
	if err != nil {
		return nil, err
	}
	merged.Interrupted = merged.Interrupted || parent.Err() != nil
	merged.Segments = nil
	if !cfg.Whole.Whole() {
		merged.Segments = []reports.Segment{{I: cfg.Whole.I, N: cfg.Whole.N}}
	}
	return merged, nil
}

// runWorker runs one worker and reads the record it wrote.
func runWorker(ctx context.Context, cfg WorkerConfig, seg Segment, out string, w *workerOutput) (*reports.Run, error) {
	cmd := cfg.Command(ctx, seg, out)
	cmd.Stdout, cmd.Stderr = w, w
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = positiveOr(cfg.WaitDelay, DefaultWorkerWaitDelay)
	runErr := cmd.Run()
	w.flush()
	run, err := reports.ReadRunFile(out)
	if err != nil {
		msg := "wrote no record"
		if runErr != nil {
			msg = runErr.Error() + ", no record"
		}
		return nil, fmt.Errorf("%w: segment %d/%d: %s%s", ErrWorker, seg.I, seg.N, msg, w.tail())
	}
	return run, nil
}

// relay gathers the workers' output: the latest progress of each, and
// their other lines, prefixed, to log.
type relay struct {
	mu     sync.Mutex
	log    io.Writer
	latest []Progress
	seen   []bool
}

func newRelay(n int, log io.Writer) *relay {
	return &relay{log: log, latest: make([]Progress, n), seen: make([]bool, n)}
}

func (r *relay) worker(i int, seg Segment) *workerOutput {
	return &workerOutput{r: r, i: i, prefix: fmt.Sprintf("worker %d/%d: ", seg.I, seg.N)}
}

// report sends the sum of the workers' latest progress once a second, and
// once more when done is closed, so that even a run shorter than a tick
// reports where the workers ended.
func (r *relay) report(done <-chan struct{}, progress ProgressFunc) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		final := false
		select {
		case <-done:
			final = true // the workers' last word, however short the run was
		case <-tick.C:
		}
		r.mu.Lock()
		var parts []Progress
		for i, ok := range r.seen {
			if ok {
				parts = append(parts, r.latest[i])
			}
		}
		r.mu.Unlock()
		if len(parts) > 0 {
			progress(sumProgress(parts))
		}
		if final {
			return
		}
	}
}

// workerOutput splits one worker's output into lines.
type workerOutput struct {
	r      *relay
	i      int
	prefix string

	mu   sync.Mutex
	buf  []byte
	last []string // the last workerTail log lines
}

func (w *workerOutput) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.line(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

func (w *workerOutput) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.line(string(w.buf))
		w.buf = nil
	}
}

// line handles one line; w.mu is held.
func (w *workerOutput) line(s string) {
	if p, ok := ParseProgress(s); ok {
		w.r.mu.Lock()
		w.r.latest[w.i], w.r.seen[w.i] = p, true
		w.r.mu.Unlock()
		return
	}
	if w.last = append(w.last, s); len(w.last) > workerTail {
		w.last = w.last[1:]
	}
	if w.r.log != nil {
		w.r.mu.Lock()
		fmt.Fprintf(w.r.log, "%s%s\n", w.prefix, s)
		w.r.mu.Unlock()
	}
}

// tail is the worker's last log lines, for an error message.
func (w *workerOutput) tail() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.last) == 0 {
		return ""
	}
	return ":\n\t" + strings.Join(w.last, "\n\t")
}
