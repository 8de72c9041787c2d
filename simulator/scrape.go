package simulator

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/reports"
)

// The Prometheus series a target's GET /metrics is read for (the standard
// process and Go collectors; the refserver serves them).
const (
	promCPU        = "process_cpu_seconds_total"
	promRSS        = "process_resident_memory_bytes"
	promGoroutines = "go_goroutines"
)

// scrapeTimeout bounds one scrape, so that a slow server does not hold up
// the next second's.
const scrapeTimeout = 900 * time.Millisecond

// serverSample is what one scrape of a target's /metrics said; a negative
// value is a series the target does not serve.
type serverSample struct {
	at                   time.Time
	cpu, rss, goroutines float64
}

// parseServerMetrics reads the three series of the Prometheus text format
// that stampede shows, without labels; it ignores every other line.
func parseServerMetrics(r io.Reader) serverSample {
	s := serverSample{cpu: -1, rss: -1, goroutines: -1}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		var dst *float64
		switch name {
		case promCPU:
			dst = &s.cpu
		case promRSS:
			dst = &s.rss
		case promGoroutines:
			dst = &s.goroutines
		default:
			continue
		}
		value, _, _ := strings.Cut(strings.TrimSpace(rest), " ") // a timestamp may follow
		if v, err := strconv.ParseFloat(value, 64); err == nil && v >= 0 {
			*dst = v
		}
	}
	return s
}

// metricsURL is the /metrics endpoint of the server at base.
func metricsURL(base *url.URL) string {
	u := *base
	u.Path, u.RawPath, u.RawQuery, u.Fragment = "/metrics", "", "", ""
	return u.String()
}

// fetchMetrics does one GET /metrics. served is false when the target
// answered but serves none of the three series (no /metrics, or another
// application's page); err is set when it did not answer.
func fetchMetrics(ctx context.Context, client *http.Client, base *url.URL) (s serverSample, served bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL(base), nil)
	if err != nil {
		return s, false, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return s, false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return s, false, nil
	}
	s = parseServerMetrics(io.LimitReader(resp.Body, 16<<20))
	s.at = time.Now()
	return s, s.cpu >= 0 || s.rss >= 0 || s.goroutines >= 0, nil
}

// scraper reads each target's /metrics once a second during the run.
type scraper struct {
	client  *http.Client
	targets []*url.URL // only those that serve the metrics

	mu    sync.Mutex
	last  []serverSample
	cores []float64 // CPU cores used between the last two samples; -1: unknown
}

func newScraper(client *http.Client, targets []*url.URL, first []serverSample) *scraper {
	s := &scraper{client: client, targets: targets, last: first, cores: make([]float64, len(targets))}
	for i := range s.cores {
		s.cores[i] = -1
	}
	return s
}

// run scrapes every target once a second until ctx is done.
func (s *scraper) run(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var wg sync.WaitGroup
		for i := range s.targets {
			wg.Go(func() { s.scrape(ctx, i) })
		}
		wg.Wait()
	}
}

func (s *scraper) scrape(ctx context.Context, i int) {
	ctx, cancel := context.WithTimeout(ctx, scrapeTimeout)
	defer cancel()
	sample, served, err := fetchMetrics(ctx, s.client, s.targets[i])
	if err != nil || !served {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.last[i]
	if dt := sample.at.Sub(prev.at).Seconds(); dt > 0 && prev.cpu >= 0 && sample.cpu >= prev.cpu {
		s.cores[i] = (sample.cpu - prev.cpu) / dt
	}
	s.last[i] = sample
}

// fill adds to p the targets' figures sampled within the last freshness,
// summed over the targets; it leaves p alone when there are none.
func (s *scraper) fill(p *reports.Point, now time.Time, freshness time.Duration) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var cpu, rss, gor float64
	var hasCPU, hasRSS, hasGor bool
	for i, sample := range s.last {
		if sample.at.IsZero() || now.Sub(sample.at) > freshness {
			continue
		}
		if s.cores[i] >= 0 {
			cpu, hasCPU = cpu+s.cores[i], true
		}
		if sample.rss >= 0 {
			rss, hasRSS = rss+sample.rss, true
		}
		if sample.goroutines >= 0 {
			gor, hasGor = gor+sample.goroutines, true
		}
	}
	if hasCPU {
		v := float64(int64(cpu*1000+0.5)) / 1000 // to the thousandth of a core
		p.ServerCPU = &v
	}
	if hasRSS {
		v := int64(rss)
		p.ServerRSS = &v
	}
	if hasGor {
		v := int64(gor)
		p.ServerGoroutines = &v
	}
}
