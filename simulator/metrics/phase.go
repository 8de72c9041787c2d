package metrics

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/stampede-sio/stampede/reports"
)

// openPhase is the phase in progress.
type openPhase struct {
	name  string
	start time.Time
}

// BeginPhase ends the phase in progress, if any, and begins phase name:
// from now on, until the next BeginPhase or Export, recorded values count
// in it as well (reports.PhaseRecord). A phase's histograms are the
// difference of each timer's whole histogram at its end and at its start,
// so recording costs nothing more; BeginPhase takes a copy of every
// timer's histogram.
func (r *Recorder) BeginPhase(name string) error {
	r.snapMu.Lock()
	defer r.snapMu.Unlock()
	now := time.Now()
	before := r.phase == nil // values so far belong to no phase
	if before {
		r.phase = &openPhase{start: r.start}
	}
	rec, err := r.phaseRecord(now, true)
	if err != nil {
		return err
	}
	if !before {
		r.phases = append(r.phases, rec)
	}
	r.phase = &openPhase{name: name, start: now}
	return nil
}

// phaseRecord summarises the phase in progress up to now; advance makes
// now the start of the next one. The caller holds the snapshot lock.
func (r *Recorder) phaseRecord(now time.Time, advance bool) (reports.PhaseRecord, error) {
	timers, _, _ := r.lists()
	rec := reports.PhaseRecord{
		Name: r.phase.name, Start: r.phase.start.Sub(r.start).Seconds(), End: now.Sub(r.start).Seconds(),
		Histograms: []reports.HistogramRecord{},
	}
	for _, t := range timers {
		t.drain()
		whole := t.whole()
		h := minus(whole, t.mark)
		if advance {
			t.mark = whole
		}
		if h.TotalCount() == 0 {
			continue
		}
		hr, err := reports.NewHistogramRecord(t.metric, t.tags, h, reports.UnitMicroseconds)
		if err != nil {
			return rec, err
		}
		rec.Histograms = append(rec.Histograms, hr)
	}
	reports.SortHistograms(rec.Histograms)
	return rec, nil
}

// phaseRecords are the phases ended so far and the one in progress, up to
// now.
func (r *Recorder) phaseRecords(now time.Time) ([]reports.PhaseRecord, error) {
	if r.phase == nil {
		return nil, nil
	}
	last, err := r.phaseRecord(now, false)
	if err != nil {
		return nil, err
	}
	return append(append([]reports.PhaseRecord(nil), r.phases...), last), nil
}

// minus is a − b, bucket by bucket (b holds a subset of a's values, of the
// same geometry); nil b is empty.
func minus(a, b *hdrhistogram.Histogram) *hdrhistogram.Histogram {
	if b == nil || b.TotalCount() == 0 {
		return a
	}
	sa, sb := a.Export(), b.Export() // copies
	for i := range min(len(sa.Counts), len(sb.Counts)) {
		sa.Counts[i] -= sb.Counts[i]
	}
	return hdrhistogram.Import(sa)
}

// Phase is the name of the phase in progress, "" before the first
// BeginPhase (the live progress line shows it).
func (r *Recorder) Phase() string {
	r.snapMu.Lock()
	defer r.snapMu.Unlock()
	if r.phase == nil {
		return ""
	}
	return r.phase.name
}
