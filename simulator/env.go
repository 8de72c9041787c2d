package simulator

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
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
// record. It is built once per run (NewEnv, or a literal followed by
// Prepare) and read-only once the first client has started.
type Env struct {
	Scenario *scenarios.Scenario
	Targets  []*url.URL     // client i connects to Targets[i % len]
	Sources  []*net.TCPAddr // local addresses, spread round-robin (nil: the kernel picks)
	Secret   []byte         // for minting tokens (auth mode mint) and the admin token
	Tokens   []string       // auth mode file: one per client index (wraps around)
	Recorder *metrics.Recorder
	Logger   *slog.Logger
	Start    time.Time // the run's time zero (think.until is relative to it)

	// Segment is this process's share of the run. Control steps with
	// once: true act only in the process that runs segment 1 (or the whole
	// run), so that a run split over n processes still acts once.
	Segment Segment
	// Seed seeds every client's random source with (Seed, index): the flow
	// a client picks, its think times and its backoff jitter are the same
	// in every run with the same seed, whichever process runs the client.
	Seed uint64
	// TLSConfig is used for https:// and wss:// targets; nil: Go's defaults.
	TLSConfig *tls.Config
	// HTTPClient carries GET /api/config, GET /api/version and control
	// calls. Nil: one owned by the Env, with keep-alive connections that
	// Close releases.
	HTTPClient *http.Client
	// Data holds the rows of each scenario data file (Scenario.Data), as
	// LoadData reads them; client i gets row i mod len. NewEnv fills it.
	Data map[string][]map[string]string
	// OnRecovered, when set, is called after a client whose connection was
	// lost (transport close, transport error, ping timeout) is connected
	// again: lost is when the client saw the loss, restored when its
	// Socket.IO CONNECT was answered (the reconnect metric is restored −
	// lost). Run uses it for the recovery metric: after a storm, the time
	// until the whole population is back. It runs on the client's
	// goroutine and must not block. Not called for first connections,
	// reconnect steps, or losses that are not retried (CLIENT-4).
	OnRecovered func(index int, lost, restored time.Time)

	prep    sync.Once
	plan    *plan
	planErr error
	ownHTTP *http.Transport // the transport of the Env's own HTTPClient
}

// StartFunc starts virtual client index, whose start was intended at
// intended (the executor's schedule, for coordinated-omission-free
// latencies); it returns when the client has finished or ctx is done, or
// earlier when it detached the client (Detach). The executors call each
// start in a goroutine of its own (reused from an earlier start that has
// returned).
//
// The dial-slot contract (executor_token.go): an executor that bounds how
// many clients connect at once (spike's max_in_flight, arrival's
// RunConfig.MaxConnecting) puts the client's slot in ctx (WithDetach or
// WithStartToken); the StartFunc calls StartDone(ctx) as soon as its first
// connection attempt has completed, connected or not, so that the next
// client may dial. StartDone is idempotent and a no-op without a slot; a
// StartFunc that never calls it holds the slot until it returns. The
// executors pass WithDetach, which also lets the StartFunc return while its
// client goes on (a parked virtual client): Detach hands it the function to
// call when it has finished. The executors record each scheduled start's
// lateness (intended → call) in the lag timer and count starts_delayed and
// starts_dropped themselves.
type StartFunc func(ctx context.Context, index int, intended time.Time)
