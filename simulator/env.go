package simulator

import (
	"context"
	"log/slog"
	"net"
	"net/url"
	"time"

	"github.com/stampede-sio/stampede/scenarios"
	"github.com/stampede-sio/stampede/simulator/metrics"
)

// Segment is the share of a run one process executes (k6's execution
// segments): virtual clients whose index i satisfies i % N == I-1, and 1/N
// of every arrival rate. The zero value is the whole run (1/1).
type Segment struct{ I, N int }

// Whole reports whether s covers the whole run.
func (s Segment) Whole() bool { return s.N <= 1 }

// Owns reports whether the client with this global index belongs to s.
func (s Segment) Owns(index int) bool { return s.Whole() || index%s.N == s.I-1 }

// Env is what every virtual client of one run shares: the scenario with its
// defaults applied, where to connect, how to authenticate, and where to
// record. It is built once per run and read-only afterwards.
type Env struct {
	Scenario *scenarios.Scenario
	Targets  []*url.URL      // client i connects to Targets[i % len]
	Sources  []*net.TCPAddr  // local addresses, spread round-robin (nil: the kernel picks)
	Secret   []byte          // for minting tokens (auth mode mint) and the admin token
	Tokens   []string        // auth mode file: one per client index (wraps around)
	Recorder *metrics.Recorder
	Logger   *slog.Logger
	Start    time.Time // the run's time zero (think.until is relative to it)
}

// StartFunc starts virtual client index, whose start was intended at
// intended (the executor's schedule, for coordinated-omission-free
// latencies); it returns when the client has finished or ctx is done. The
// executors call it, each in its own goroutine.
type StartFunc func(ctx context.Context, index int, intended time.Time)
