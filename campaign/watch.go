package campaign

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stampede-sio/stampede/internal/token"
)

// WatchInterval is how often a Watch polls the server.
const WatchInterval = 100 * time.Millisecond

// Sample is what one poll of the server said; a negative figure is one
// the server did not give.
type Sample struct {
	At time.Time
	// Sessions are the open Engine.IO sessions (stampede_sessions, every
	// transport): the clients the server holds connected.
	Sessions float64
	// Pool is the size of the open-webui session pool (GET
	// /api/control/sessions): the clients the server counts.
	Pool float64
	// Bytes are the Engine.IO payload bytes read and written so far
	// (stampede_bytes_total, both directions).
	Bytes float64
	// CPU is the server's CPU time so far in seconds, RSS its resident
	// memory in bytes (process_* series).
	CPU, RSS float64
	// Instance is the process that answered /metrics (its
	// X-Stampede-Instance, given with Redis); "" when not named.
	Instance string
}

// Watch polls a refserver's /metrics and session pool every WatchInterval
// until Stop. With several processes on one port (serve --processes, which
// offers no aggregate /metrics) the kernel hands each connection to one of
// them, so the watch keeps a single connection: every /metrics figure
// (sessions, bytes, CPU, RSS) is that one process's throughout, and the
// per-client costs are over its own sessions. The session pool is the
// deployment's (it lives in Redis), whichever process answers.
type Watch struct {
	base   string
	token  string
	client *http.Client
	cancel context.CancelFunc
	done   chan struct{}
	pool   atomic.Bool // read the session pool too (PollPool)

	mu      sync.Mutex
	samples []Sample
}

// StartWatch starts polling the server at base (http://host:port). With a
// secret it mints an admin token (user u000001 of the generated
// population) to read the session pool once PollPool is called; until
// then, and without a secret, Pool stays unknown. (The pool is the
// sessions' JSON: reading it ten times a second costs the server CPU in
// proportion to the clients, so it is read only when it is wanted.)
func StartWatch(ctx context.Context, base string, secret []byte) *Watch {
	ctx, cancel := context.WithCancel(ctx)
	w := &Watch{base: strings.TrimSuffix(base, "/"), client: &http.Client{Timeout: time.Second, Transport: &http.Transport{MaxConnsPerHost: 1}}, cancel: cancel, done: make(chan struct{})}
	if len(secret) > 0 {
		w.token, _ = token.Mint(secret, "u000001", time.Hour, time.Now()) // cannot fail with a key
	}
	go w.run(ctx)
	return w
}

// PollPool makes every later poll read the session pool as well.
func (w *Watch) PollPool() { w.pool.Store(true) }

// Stop ends the polling and returns the samples, oldest first.
func (w *Watch) Stop() []Sample {
	w.cancel()
	<-w.done
	w.client.CloseIdleConnections()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.samples
}

func (w *Watch) run(ctx context.Context) {
	defer close(w.done)
	tick := time.NewTicker(WatchInterval)
	defer tick.Stop()
	for {
		s := w.poll(ctx)
		if ctx.Err() != nil {
			return
		}
		if s.Sessions >= 0 || s.CPU >= 0 {
			w.mu.Lock()
			w.samples = append(w.samples, s)
			w.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// poll reads /metrics and, with a token, the session pool.
func (w *Watch) poll(ctx context.Context) Sample {
	s := Sample{At: time.Now(), Sessions: -1, Pool: -1, Bytes: -1, CPU: -1, RSS: -1}
	if resp, ok := w.get(ctx, "/metrics", ""); ok {
		s.Instance = resp.Header.Get("X-Stampede-Instance")
		parseMetrics(resp.Body, &s)
		resp.Body.Close()
	}
	if w.token == "" || !w.pool.Load() {
		return s
	}
	if resp, ok := w.get(ctx, "/api/control/sessions", w.token); ok {
		var pool map[string]json.RawMessage
		if json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&pool) == nil {
			s.Pool = float64(len(pool))
		}
		resp.Body.Close()
	}
	return s
}

func (w *Watch) get(ctx context.Context, path, token string) (*http.Response, bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.base+path, nil)
	if err != nil {
		return nil, false
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return nil, false
	}
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		return nil, false
	}
	return resp, true
}

// Instances is how many processes the samples' /metrics answers came
// from: 1 when the watch stayed on one, 0 when none was named.
func Instances(samples []Sample) int {
	seen := map[string]bool{}
	for _, s := range samples {
		if s.Instance != "" {
			seen[s.Instance] = true
		}
	}
	return len(seen)
}

// parseMetrics adds up the series a Sample keeps from Prometheus text.
func parseMetrics(r io.Reader, s *Sample) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	add := func(dst *float64, v float64) {
		if *dst < 0 {
			*dst = 0
		}
		*dst += v
	}
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest, ok := strings.Cut(line, " ")
		if i, j := strings.IndexByte(line, '{'), strings.IndexByte(line, '}'); i >= 0 && i < len(name) {
			if j < i {
				continue
			}
			name = line[:i]
			_, rest, ok = strings.Cut(line[j:], " ")
		}
		if !ok {
			continue
		}
		value, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		switch name {
		case "stampede_sessions":
			add(&s.Sessions, v)
		case "stampede_bytes_total":
			add(&s.Bytes, v)
		case "process_cpu_seconds_total":
			add(&s.CPU, v)
		case "process_resident_memory_bytes":
			add(&s.RSS, v)
		}
	}
}
