// Package metrics is the simulator's recorder: the timers, counters and
// gauges virtual clients write on their hot path, the per-second snapshots
// behind the live progress line and the run's time series, and the export
// into a reports.Run. Metric names are the built-in ones of package reports
// (threshold.MetricAck, …), one place for the simulator and its readers.
//
// Handles are resolved once: Recorder.Timer, Counter and Gauge look a name
// and its tags up under a mutex and return the same handle for the same
// name and tags, which callers keep. Recording through a handle takes no
// lookup and allocates nothing.
//
// Concurrency: every method is safe for concurrent use. A Timer spreads its
// values over shards, each an HDR histogram (1 µs … 1 h, 3 significant
// digits, values in microseconds) behind its own mutex. Each Record picks
// a shard at random and moves on to the next if that one is held, so
// thousands of goroutines recording at once rarely wait on a lock. (A shard
// chosen by a per-goroutine hint, such as the virtual-client index, measured
// only about 10% faster once goroutines interleave as virtual clients do:
// not worth a parameter on every call.) Snapshot and Export take each shard's histogram
// by swapping in an empty one under the shard's lock and merge outside it:
// recording never waits for a merge. Counters and gauges are atomics.
//
// Coordinated omission: a latency measured from when a request was actually
// sent hides the time it waited behind a stalled generator. The simulator's
// main correction is to measure from the intended send time (the schedule
// of the open model or the flow), which callers do before calling Record;
// the generator reports its own lateness as the lag timer. For a fixed-rate
// loop that measures from the actual send, Timer.RecordCorrected applies
// HdrHistogram's correction instead (RecordCorrectedValue: the samples a
// stall kept from being taken are added back). Use one or the other, not
// both.
//
// This package implements the metrics part of the simulator issue; names
// and units are documented in reports/metrics.go.
package metrics
