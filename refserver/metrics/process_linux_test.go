//go:build linux

package metrics

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProcessCollectorReadsThisProcess(t *testing.T) {
	t.Parallel()
	reg := New()
	RegisterProcessCollector(reg)
	require.NoError(t, reg.Err())

	got := scrape(t, reg)
	assert.Greater(t, got["process_resident_memory_bytes"], 0.0)
	assert.Greater(t, got["process_virtual_memory_bytes"], 0.0)
	assert.Greater(t, got["process_open_fds"], 0.0)
	assert.Greater(t, got["process_max_fds"], 0.0)
	assert.GreaterOrEqual(t, got["process_cpu_seconds_total"], 0.0)
	assert.Contains(t, got, "process_cpu_seconds_total")
	assert.Greater(t, got["process_start_time_seconds"], 1e9, "after 2001")
}

// TestProcessCollectorFakeProc reads testdata/proc, whose command name
// holds spaces and parentheses, to check every field and unit.
func TestProcessCollectorFakeProc(t *testing.T) {
	t.Parallel()
	c := newProcessCollector("testdata/proc")
	got := map[string]float64{}
	for _, f := range c.collect(nil) {
		require.Len(t, f.samples, 1, f.name)
		got[f.name] = f.samples[0].value
	}
	max, ok := maxFDs()
	require.True(t, ok)
	want := map[string]float64{
		"process_cpu_seconds_total":     4, // (250+150)/100
		"process_resident_memory_bytes": float64(382 * os.Getpagesize()),
		"process_virtual_memory_bytes":  3133440,
		"process_open_fds":              3,
		"process_max_fds":               max,
		"process_start_time_seconds":    1700000000 + 123.45, // btime + 12345/100
	}
	assert.Equal(t, want, got)
}

func TestProcessCollectorWithoutProc(t *testing.T) {
	t.Parallel()
	c := newProcessCollector(t.TempDir())
	var names []string
	for _, f := range c.collect(nil) {
		names = append(names, f.name)
	}
	assert.Equal(t, []string{"process_max_fds"}, names, "what /proc would give is left out, not an error")
}

func TestParseProcStat(t *testing.T) {
	t.Parallel()
	tail := " S 1 2 3 0 -1 0 0 0 0 0 11 22 0 0 20 0 1 0 33 44 55 0 0"
	tests := []struct {
		name    string
		in      string
		want    procStat
		wantErr bool
	}{
		{"plain name", "1 (go)" + tail, procStat{utime: 11, stime: 22, starttime: 33, vsize: 44, rss: 55}, false},
		{"name with ') '", "1 (a) b (c)" + tail, procStat{utime: 11, stime: 22, starttime: 33, vsize: 44, rss: 55}, false},
		{"no name", "1 go S 1", procStat{}, true},
		{"too short", "1 (go) S 1 2 3", procStat{}, true},
		{"not a number", "1 (go) S 1 2 3 0 -1 0 0 0 0 0 x 22 0 0 20 0 1 0 33 44 55", procStat{}, true},
	}
	for _, tt := range tests {
		got, err := parseProcStat(tt.in)
		if tt.wantErr {
			assert.Error(t, err, tt.name)
			continue
		}
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.want, got, tt.name)
	}
}
