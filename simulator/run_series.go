package simulator

import (
	"context"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/stampede-sio/stampede/internal/hdr"
	"github.com/stampede-sio/stampede/reports"
	"github.com/stampede-sio/stampede/simulator/metrics"
	"github.com/stampede-sio/stampede/simulator/schedule"
)

// serverFreshness is how old a scrape may be to count in a second's point.
const serverFreshness = 1500 * time.Millisecond

// sampler turns the Recorder's per-second snapshots into the run's series
// and the live progress.
type sampler struct {
	rec      *metrics.Recorder
	scraper  *scraper // nil: no server figures
	progress ProgressFunc
	start    time.Time
	total    time.Duration // the phases' planned length, for the progress line

	series   []reports.Point
	errors   int64 // since the start, for the progress line
	connects int64 // since the start, for run --metrics-addr
	gc       *gcTuner
}

func newSampler(rec *metrics.Recorder, scr *scraper, progress ProgressFunc, start time.Time) *sampler {
	return &sampler{rec: rec, scraper: scr, progress: progress, start: start, series: []reports.Point{}, gc: &gcTuner{}}
}

// run samples at every whole second of the run, and scrapes the servers,
// until ctx is done.
func (s *sampler) run(ctx context.Context) {
	if s.scraper != nil {
		var wg sync.WaitGroup
		wg.Go(func() { s.scraper.run(ctx) })
		defer wg.Wait()
	}
	for k := 1; ; k++ {
		if schedule.SleepUntil(ctx, s.start.Add(time.Duration(k)*time.Second)) != nil {
			return
		}
		s.sample()
	}
}

// sample ends the Recorder's interval and adds it to the series: as a new
// point, reported as progress, or, when it falls in the same second as the
// last one (the end of the run), into that point.
func (s *sampler) sample() {
	snap := s.rec.Snapshot()
	p := snap.Point()
	p.GeneratorRSS = selfRSS()
	s.scraper.fill(&p, time.Now(), serverFreshness)
	s.errors += p.Errors
	s.connects += p.Connects
	s.gc.observe(p)
	if n := len(s.series); n > 0 && p.T <= s.series[n-1].T {
		mergePoint(&s.series[n-1], p)
		return
	}
	s.series = append(s.series, p)
	if s.progress != nil {
		pr := progressOf(p, snap, s.errors, s.connects)
		pr.Phase, pr.Total = s.rec.Phase(), s.total
		s.progress(pr)
	}
}

// mergePoint adds the later point q, of the same second, into p: counts
// add up, levels and the p99 so far are q's, the acks' histograms merge.
func mergePoint(p *reports.Point, q reports.Point) {
	p.Connects += q.Connects
	p.MessagesIn += q.MessagesIn
	p.MessagesOut += q.MessagesOut
	p.Errors += q.Errors
	reports.AddCounts(&p.ErrorsByKind, q.ErrorsByKind)
	reports.AddCounts(&p.MessagesOutByEvent, q.MessagesOutByEvent)
	p.Latency = reports.MergeLatency(p.Latency, q.Latency)
	p.Clients, p.Connecting, p.AckP99 = q.Clients, q.Connecting, q.AckP99
	if q.ServerCPU != nil {
		p.ServerCPU = q.ServerCPU
	}
	if q.ServerRSS != nil {
		p.ServerRSS = q.ServerRSS
	}
	if q.ServerGoroutines != nil {
		p.ServerGoroutines = q.ServerGoroutines
	}
	if q.GeneratorRSS != nil {
		p.GeneratorRSS = q.GeneratorRSS
	}
	p.AckHDR = mergeHDR(p.AckHDR, q.AckHDR)
}

// mergeHDR merges two encoded histograms; "" is an empty one.
func mergeHDR(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	ha, errA := hdrhistogram.Decode([]byte(a))
	hb, errB := hdrhistogram.Decode([]byte(b))
	if errA != nil || errB != nil {
		return a // both come from this process's Recorder: not reached
	}
	ha.Merge(hb)
	enc, err := hdr.Encode(ha)
	if err != nil {
		return a
	}
	return string(enc)
}
