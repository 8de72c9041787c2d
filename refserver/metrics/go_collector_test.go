package metrics

import (
	"runtime"
	rtmetrics "runtime/metrics"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGoCollector(t *testing.T) {
	t.Parallel()
	reg := New()
	RegisterGoCollector(reg)
	require.NoError(t, reg.Err())

	got := scrape(t, reg)
	assert.Equal(t, 1.0, got[`go_info{version="`+runtime.Version()+`"}`])
	assert.GreaterOrEqual(t, got["go_goroutines"], 1.0)
	assert.GreaterOrEqual(t, got["go_threads"], 1.0)
	assert.Greater(t, got["go_memstats_alloc_bytes"], 0.0)
	assert.GreaterOrEqual(t, got["go_memstats_heap_inuse_bytes"], got["go_memstats_alloc_bytes"])
	assert.Greater(t, got["go_memstats_sys_bytes"], got["go_memstats_heap_inuse_bytes"])
	assert.Greater(t, got["go_memstats_heap_objects"], 0.0)
	for _, q := range []string{"0", "0.25", "0.5", "0.75", "1"} {
		assert.Contains(t, got, `go_gc_duration_seconds{quantile="`+q+`"}`)
	}
	assert.Contains(t, got, "go_gc_duration_seconds_sum")
	assert.Contains(t, got, "go_gc_duration_seconds_count")
}

func TestMemStatsKeysExist(t *testing.T) {
	t.Parallel()
	s := memStatsSamples()
	rtmetrics.Read(s)
	for _, x := range s {
		assert.Equal(t, rtmetrics.KindUint64, x.Value.Kind(), "%s: without it every scrape reads MemStats", x.Name)
	}
}

func TestMemStatsFallback(t *testing.T) {
	t.Parallel()
	s := memStatsSamples()
	s[0].Name = "/no/such:metric"
	ms := readMemStats(s)
	assert.Greater(t, ms.alloc, 0.0)
	assert.GreaterOrEqual(t, ms.heapInuse, ms.alloc)
	assert.Greater(t, ms.sys, 0.0)
	assert.Greater(t, ms.heapObjects, 0.0)
}
