package simulator

import (
	"bufio"
	"crypto/tls"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/client/serverurl"
	"github.com/stampede-sio/stampede/scenarios"
	"github.com/stampede-sio/stampede/simulator/metrics"
)

// ErrSetup: the Env cannot run clients (a missing secret or token file, a
// template that does not parse, no target, …).
var ErrSetup = errors.New("simulator: bad setup")

// NewEnv builds the Env of a run of s for this process: s with its
// defaults applied, its target URLs, its source addresses (target.sources,
// or 127.0.0.1 … 127.0.0.9 when every target is an IPv4 loopback address,
// PERFORMANCE.md), the tokens of auth.tokens_file, the rows of its data
// files (paths relative to the working directory), secret for minting, and
// rec. Start is now; Run sets it to the run's time zero. It returns the Env
// prepared (see Prepare) or every problem found.
func NewEnv(s *scenarios.Scenario, secret []byte, rec *metrics.Recorder) (*Env, error) {
	s = s.WithDefaults()
	e := &Env{Scenario: s, Secret: secret, Recorder: rec, Start: time.Now()}
	var errs []error
	for _, raw := range s.Target.URLs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%w: target %q is not an http:// or https:// URL", ErrSetup, raw))
			continue
		}
		e.Targets = append(e.Targets, u)
	}
	var err error
	if e.Sources, err = Sources(s.Target.Sources, e.Targets); err != nil {
		errs = append(errs, err)
	}
	if s.Auth.Mode == scenarios.AuthFile {
		if e.Tokens, err = LoadTokens(s.Auth.File); err != nil {
			errs = append(errs, err)
		}
	}
	if e.Data, err = LoadData(s.Data); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := e.Prepare(); err != nil {
		return nil, err
	}
	return e, nil
}

// Sources returns the local addresses clients dial from: the given ones
// (IP addresses), or, when none are given and every target is an IPv4
// loopback address, 127.0.0.1 … 127.0.0.9 (each holds ~12k connections per
// server port comfortably, PERFORMANCE.md), else nil (the kernel picks).
func Sources(addrs []string, targets []*url.URL) ([]*net.TCPAddr, error) {
	var out []*net.TCPAddr
	for _, a := range addrs {
		ip := net.ParseIP(a)
		if ip == nil {
			return nil, fmt.Errorf("%w: source %q is not an IP address", ErrSetup, a)
		}
		out = append(out, &net.TCPAddr{IP: ip})
	}
	if len(addrs) > 0 || len(targets) == 0 {
		return out, nil
	}
	for _, t := range targets {
		ip := net.ParseIP(t.Hostname())
		if ip == nil || ip.To4() == nil || !ip.IsLoopback() {
			return nil, nil
		}
	}
	for i := 1; i <= 9; i++ {
		out = append(out, &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(i))})
	}
	return out, nil
}

// LoadTokens reads auth.tokens_file: one token per line, blank lines and
// lines starting with # skipped.
func LoadTokens(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: tokens file: %v", ErrSetup, err)
	}
	defer f.Close()
	var toks []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			toks = append(toks, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: tokens file %s: %v", ErrSetup, path, err)
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("%w: tokens file %s holds no token", ErrSetup, path)
	}
	return toks, nil
}

// LoadData reads the scenario's data files: name → CSV path, each with a
// header row; the result maps name → rows (column → value).
func LoadData(files map[string]string) (map[string][]map[string]string, error) {
	if len(files) == 0 {
		return nil, nil
	}
	out := make(map[string][]map[string]string, len(files))
	for name, path := range files {
		rows, err := readCSV(path)
		if err != nil {
			return nil, fmt.Errorf("%w: data %s: %v", ErrSetup, name, err)
		}
		out[name] = rows
	}
	return out, nil
}

func readCSV(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: no header row: %v", path, err)
	}
	var rows []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		row := make(map[string]string, len(header))
		for i, h := range header {
			if i < len(rec) {
				row[h] = rec[i]
			}
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: no rows after the header", path)
	}
	return rows, nil
}

// Prepare checks the Env and compiles it for its clients: the scenario's
// templates, the flows and their weights, one client.Options per transport
// and source, the HTTP client, the heartbeat scheduler and the metric
// handles. It runs once (later calls return the first result); StartVU
// calls it too, so a literal Env works, but calling it first reports a bad
// setup before any client starts. The Env must not change afterwards.
func (e *Env) Prepare() error {
	e.prep.Do(func() { e.plan, e.planErr = e.compile() })
	return e.planErr
}

// Close releases what the Env holds between runs: the idle keep-alive
// connections of its own HTTP client and of the shared long-polling
// clients. Call it after the last client has returned.
func (e *Env) Close() {
	if e.ownHTTP != nil {
		e.ownHTTP.CloseIdleConnections()
	}
	client.CloseIdleConnections()
}

func (e *Env) compile() (*plan, error) {
	s := e.Scenario
	if s == nil {
		return nil, fmt.Errorf("%w: no scenario", ErrSetup)
	}
	if e.Recorder == nil {
		return nil, fmt.Errorf("%w: no recorder", ErrSetup)
	}
	s = s.WithDefaults() // idempotent: a scenario given without its defaults still runs
	p := &plan{env: e, m: newClientMetrics(e.Recorder), log: e.Logger, vars: s.Vars}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	var errs []error
	if len(e.Targets) == 0 {
		errs = append(errs, fmt.Errorf("%w: no target", ErrSetup))
	}
	for _, u := range e.Targets {
		p.targets = append(p.targets, &target{base: strings.TrimSuffix(u.String(), "/")})
	}
	p.mode = s.Auth.Mode
	switch p.mode {
	case scenarios.AuthMint:
		if len(e.Secret) == 0 {
			errs = append(errs, fmt.Errorf("%w: auth mode mint: %w", ErrSetup, ErrNoSecret))
		}
		t, err := scenarios.ParseTemplate("auth.user", s.Auth.User)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: auth.user: %v", ErrSetup, err))
		}
		p.user, p.ttl = t, s.Auth.Expires
	case scenarios.AuthFile:
		if len(e.Tokens) == 0 {
			errs = append(errs, fmt.Errorf("%w: auth mode file: no tokens", ErrSetup))
		}
	case scenarios.AuthNone:
	default:
		errs = append(errs, fmt.Errorf("%w: unknown auth mode %q", ErrSetup, p.mode))
	}
	c := s.Client
	p.userJoin, p.fetchCfg = *c.UserJoin, *c.FetchConfig
	p.heartbeat, p.ackTimeout, p.dialTO = c.Heartbeat, c.AckTimeout, c.ConnectTimeout
	p.reconnect, p.attempts = *c.Reconnect.Enabled, c.Reconnect.Attempts
	p.backoff = Backoff{Min: c.Reconnect.Delay, Max: c.Reconnect.DelayMax, Jitter: *c.Reconnect.Randomization, OverflowBug: c.Reconnect.OverflowBug}
	p.nsp = s.Target.Namespace
	tr, err := client.ParseTransports(strings.Split(s.Target.Transport, ","))
	if err != nil {
		errs = append(errs, fmt.Errorf("%w: target.transport: %v", ErrSetup, err))
	}
	p.transport = tr
	p.followServer = s.Target.Transport == scenarios.DefaultTransport
	if e.Data == nil && len(s.Data) > 0 {
		var err error
		if e.Data, err = LoadData(s.Data); err != nil {
			errs = append(errs, err)
		}
	}
	if e.hasControl(s) && len(e.Secret) == 0 {
		errs = append(errs, fmt.Errorf("%w: control steps need the admin token: %w", ErrSetup, ErrNoSecret))
	}
	if err := p.compileFlows(s); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	p.admin.secret = e.Secret
	p.sources = e.Sources
	p.buildOptions(s.Target.Path, e.TLSConfig, s.Client.ParkIdle)
	p.http = e.HTTPClient
	if p.http == nil {
		e.ownHTTP = &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			MaxIdleConns:        0,
			MaxIdleConnsPerHost: 256, // a connect storm reuses connections instead of churning ports
			IdleConnTimeout:     30 * time.Second,
			ForceAttemptHTTP2:   true,
			TLSClientConfig:     e.TLSConfig,
		}
		p.http = &http.Client{Transport: e.ownHTTP}
	}
	p.hb = newHeartbeats(p.sendHeartbeat, p.m.lag)
	return p, nil
}

// hasControl reports whether any flow has a control step.
func (e *Env) hasControl(s *scenarios.Scenario) bool {
	var walk func([]scenarios.Step) bool
	walk = func(steps []scenarios.Step) bool {
		for _, st := range steps {
			if st.Control != nil || (st.Loop != nil && walk(st.Loop.Steps)) {
				return true
			}
		}
		return false
	}
	for _, f := range s.Flows {
		if walk(f.Steps) {
			return true
		}
	}
	return false
}

// buildOptions makes the client.Options every connection shares: one per
// transport mode and source address. Dial keeps the pointer and never
// changes it, so thousands of connections share a handful.
func (p *plan) buildOptions(path string, tlsConfig *tls.Config, park bool) {
	n := max(len(p.sources), 1)
	for mode := range p.opts {
		p.opts[mode] = make([]*client.Options, n)
		for i := range n {
			o := &client.Options{Path: serverurl.EnginePath(path), Transports: client.Transports(mode), HandshakeTimeout: p.dialTO, TLSConfig: tlsConfig, ParkIdle: park}
			if len(p.sources) > 0 {
				o.LocalAddr = p.sources[i]
			}
			p.opts[mode][i] = o
		}
	}
}
