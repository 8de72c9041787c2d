package metrics

import (
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"time"
)

// goCollector exports the go_* families of the official client's Go
// collector that the reference server's dashboards use.
type goCollector struct {
	goroutines, threads, gcDuration, info   desc
	alloc, heapInuse, sysBytes, heapObjects desc
	version                                 string
}

// RegisterGoCollector registers go_goroutines, go_threads,
// go_gc_duration_seconds, go_info and the go_memstats_* gauges alloc_bytes,
// heap_inuse_bytes, sys_bytes and heap_objects, with the official client's
// names, help and meaning. Errors go to [Registry.Err].
func RegisterGoCollector(r *Registry) {
	c := &goCollector{
		goroutines: desc{"go_goroutines", "Number of goroutines that currently exist.", typeGauge},
		threads:    desc{"go_threads", "Number of OS threads created.", typeGauge},
		gcDuration: desc{"go_gc_duration_seconds",
			"A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.", typeSummary},
		info: desc{"go_info", "Information about the Go environment.", typeGauge},
		alloc: desc{"go_memstats_alloc_bytes",
			"Number of bytes allocated in heap and currently in use. Equals to /memory/classes/heap/objects:bytes.", typeGauge},
		heapInuse: desc{"go_memstats_heap_inuse_bytes",
			"Number of heap bytes that are in use. Equals to /memory/classes/heap/objects:bytes + /memory/classes/heap/unused:bytes", typeGauge},
		sysBytes: desc{"go_memstats_sys_bytes",
			"Number of bytes obtained from system. Equals to /memory/classes/total:byte.", typeGauge},
		heapObjects: desc{"go_memstats_heap_objects",
			"Number of currently allocated objects. Equals to /gc/heap/objects:objects.", typeGauge},
		version: runtime.Version(),
	}
	r.register(c, c.goroutines.name, c.threads.name, c.gcDuration.name, c.info.name,
		c.alloc.name, c.heapInuse.name, c.sysBytes.name, c.heapObjects.name)
}

func (c *goCollector) collect(dst []family) []family {
	threads, _ := runtime.ThreadCreateProfile(nil)
	ms := readMemStats(memStatsSamples())
	return append(dst,
		c.goroutines.single(float64(runtime.NumGoroutine())),
		c.threads.single(float64(threads)),
		c.gcSummary(),
		family{desc: c.info, samples: []sample{{labels: []labelPair{{"version", c.version}}, value: 1}}},
		c.alloc.single(ms.alloc),
		c.heapInuse.single(ms.heapInuse),
		c.sysBytes.single(ms.sys),
		c.heapObjects.single(ms.heapObjects),
	)
}

// gcSummary reports GC pause quantiles as the official client does: from
// debug.ReadGCStats, which does not stop the world.
func (c *goCollector) gcSummary() family {
	quantiles := [...]string{"0", "0.25", "0.5", "0.75", "1"}
	var st debug.GCStats
	st.PauseQuantiles = make([]time.Duration, len(quantiles))
	debug.ReadGCStats(&st)
	f := family{desc: c.gcDuration, samples: make([]sample, 0, len(quantiles)+2)}
	for i, q := range quantiles {
		f.samples = append(f.samples, sample{
			labels: []labelPair{{"quantile", q}},
			value:  st.PauseQuantiles[i].Seconds(),
		})
	}
	f.samples = append(f.samples,
		sample{suffix: "_sum", value: st.PauseTotal.Seconds()},
		sample{suffix: "_count", value: float64(st.NumGC)})
	return f
}

// memStats holds the runtime.MemStats fields the collector exports.
type memStats struct {
	alloc, heapInuse, sys, heapObjects float64
}

// memStatsSamples names the runtime/metrics keys that give the MemStats
// fields without stopping the world, in the order readMemStats expects.
func memStatsSamples() []rtmetrics.Sample {
	return []rtmetrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"}, // Alloc, HeapAlloc
		{Name: "/memory/classes/heap/unused:bytes"},  // HeapInuse - HeapAlloc
		{Name: "/memory/classes/total:bytes"},        // Sys
		{Name: "/gc/heap/objects:objects"},           // HeapObjects
	}
}

// readMemStats reads s (from memStatsSamples); if the runtime lacks a key
// it falls back to a single runtime.ReadMemStats.
func readMemStats(s []rtmetrics.Sample) memStats {
	rtmetrics.Read(s)
	for _, x := range s {
		if x.Value.Kind() != rtmetrics.KindUint64 {
			return memStatsFallback()
		}
	}
	objects := float64(s[0].Value.Uint64())
	return memStats{
		alloc:       objects,
		heapInuse:   objects + float64(s[1].Value.Uint64()),
		sys:         float64(s[2].Value.Uint64()),
		heapObjects: float64(s[3].Value.Uint64()),
	}
}

func memStatsFallback() memStats {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memStats{
		alloc:       float64(m.Alloc),
		heapInuse:   float64(m.HeapInuse),
		sys:         float64(m.Sys),
		heapObjects: float64(m.HeapObjects),
	}
}
