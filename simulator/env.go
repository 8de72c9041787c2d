package simulator

import (
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/scenarios"
	"github.com/stampede-sio/stampede/simulator/metrics"
	"github.com/stampede-sio/stampede/simulator/schedule"
)

// Segment is the share of a run one process executes (schedule.Segment:
// its clients' indexes and 1/N of every rate); the zero value is the whole
// run. An alias, so that RunConfig and the worker processes name it here.
type Segment = schedule.Segment

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
