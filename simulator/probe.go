package simulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/client/serverurl"
	"github.com/stampede-sio/stampede/internal/excerpt"
	"github.com/stampede-sio/stampede/scenarios"
)

// probe is how Run checks its targets before the start.
type probe struct {
	opts    *client.Options   // path, TLS, timeout; Transports ignored
	mode    client.Transports // the scenario's
	http    *http.Client      // for GET /metrics
	timeout time.Duration
	scrape  bool // read GET /metrics for the first sample
}

// probe checks the plan's targets (probeTargets) and sets up the scraper
// of those that serve /metrics when target.metrics is on.
func (plan *runPlan) probe(ctx context.Context, cfg *RunConfig) error {
	hc := cfg.HTTPClient
	if hc == nil {
		tr := &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 4, IdleConnTimeout: 5 * time.Second,
			TLSClientConfig: cfg.TLSConfig}
		hc = &http.Client{Transport: tr}
		plan.close = tr.CloseIdleConnections
	}
	t := plan.scenario.Target
	mode, err := client.ParseTransports(strings.Split(t.Transport, ","))
	if err != nil {
		return fmt.Errorf("%w: target.transport: %v", ErrRunConfig, err)
	}
	scrape := t.Metrics != nil && *t.Metrics
	first, served, err := probeTargets(ctx, probe{
		opts: &client.Options{Path: serverurl.EnginePath(t.Path), TLSConfig: cfg.TLSConfig,
			HTTPClient: cfg.HTTPClient, HandshakeTimeout: cfg.ProbeTimeout},
		mode: mode, http: hc, timeout: cfg.ProbeTimeout, scrape: scrape,
	}, plan.env.Targets)
	if err != nil || !scrape {
		return err
	}
	var targets []*url.URL
	var samples []serverSample
	for i, ok := range served {
		if ok {
			targets, samples = append(targets, plan.env.Targets[i]), append(samples, first[i])
		}
	}
	if len(targets) > 0 {
		plan.scraper = newScraper(hc, targets, samples)
	}
	return nil
}

// probeTargets checks that every target answers the Engine.IO handshake
// with the scenario's transport (else ErrUnreachable, saying which
// transport the server takes when it takes the other one). Reachability
// is the handshake, nothing else: when scraping is on, it then reads each
// target's GET /metrics once, and a target that does not serve the
// metrics, or never answers, is simply not scraped. It returns which
// targets serve the metrics, with their first sample (for the CPU rate).
func probeTargets(ctx context.Context, p probe, targets []*url.URL) ([]serverSample, []bool, error) {
	samples := make([]serverSample, len(targets))
	served := make([]bool, len(targets))
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, u := range targets {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, p.timeout)
			defer cancel()
			if errs[i] = p.handshake(ctx, u); errs[i] != nil || !p.scrape {
				return
			}
			sctx, scancel := context.WithTimeout(ctx, scrapeTimeout)
			defer scancel()
			samples[i], served[i], _ = fetchMetrics(sctx, p.http, u) // optional: never fatal
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, err // interrupted before the start, not unreachable
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	return samples, served, nil
}

// handshake opens and closes one Engine.IO session at u with the
// scenario's (first) transport; when that fails, it tries the other one,
// to tell the user which the server takes.
func (p probe) handshake(ctx context.Context, u *url.URL) error {
	want, other := client.PollingOnly, client.WebsocketOnly
	if p.mode == client.WebsocketOnly {
		want, other = other, want
	}
	opts := *p.opts
	opts.Transports = want
	err := client.Handshake(ctx, u.String(), &opts)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("%w: %s: no Engine.IO handshake at %s within %v: %s", ErrUnreachable, u.Redacted(), opts.Path,
			p.timeout, excerpt.Message(err.Error()))
	}
	opts.Transports = other
	otherErr := client.Handshake(ctx, u.String(), &opts)
	if otherErr == nil {
		return fmt.Errorf("%w: %s: the server does not accept %s (%s); it accepts %s, it may be %s-only: --set target.transport=%s",
			ErrUnreachable, u.Redacted(), want, excerpt.Message(err.Error()), other, other, other)
	}
	return fmt.Errorf("%w: %s: no Engine.IO handshake at %s: %s%s", ErrUnreachable, u.Redacted(), opts.Path,
		excerpt.Message(err.Error()), pathHint(err, otherErr))
}

// pathHint suggests target.path when nothing serves the handshake there
// (a 404 to either transport; Node closes a websocket there).
func pathHint(errs ...error) string {
	for _, err := range errs {
		var he *client.HTTPError
		if errors.As(err, &he) && he.StatusCode == http.StatusNotFound {
			return " (is target.path right? a stock socket.io server serves /socket.io/: --set target.path=/socket.io)"
		}
	}
	return ""
}

// normalizeTarget reads target.urls as socket.io-client reads the URL given
// to io(): ws:// and wss:// are http:// and https://, and a path is the
// namespace (which then replaces target.namespace). The URLs become the
// bare servers, so that the record shows what the clients dialled.
func normalizeTarget(t *scenarios.Target) error {
	urls, nsp := make([]string, len(t.URLs)), ""
	for i, raw := range t.URLs {
		u, err := serverurl.Parse(raw)
		if err != nil {
			return fmt.Errorf("%w: target.urls[%d]: %v", ErrRunConfig, i, err)
		}
		if u.Namespace != "" && nsp != "" && u.Namespace != nsp {
			return fmt.Errorf("%w: target.urls[%d] %q names namespace %s, another %s: one namespace per run", ErrRunConfig, i, raw, u.Namespace, nsp)
		}
		if u.Namespace != "" {
			nsp = u.Namespace
		}
		urls[i] = u.Base.String()
	}
	t.URLs = urls
	if nsp != "" {
		t.Namespace = nsp
	}
	return nil
}
