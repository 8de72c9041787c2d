package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/stampede-sio/stampede/simulator"
)

// A population beyond what this machine holds (2^31-1 clients would start
// ~143,000 worker processes) is refused by validate and run, exit 2,
// naming the limit, before anything starts.
func TestMachineLimitExits2(t *testing.T) {
	t.Parallel()
	if simulator.ReadHostLimits().MemAvailable == 0 {
		t.Skip("no /proc/meminfo here")
	}
	huge := []string{"echo-baseline", "--set", "phases.0.to=2147483647"}
	e, out, errb := testEnv(nil)
	assert.Equal(t, exitUsage, runCmd(t.Context(), e, "validate", huge), "stdout %s", out.String())
	assert.Contains(t, errb.String(), "MemAvailable")
	assert.Contains(t, errb.String(), "2147483647 clients")

	e, out, errb = testEnv(nil)
	assert.Equal(t, exitUsage, runCmd(t.Context(), e, "run", append(huge, "--target", "http://127.0.0.1:1")))
	assert.Contains(t, errb.String(), "MemAvailable")
	assert.NotContains(t, errb.String(), "unreachable", "refused before the probe")
	assert.Empty(t, out.String())
}

// More clients per process than the open-file limit allows: exit 2.
func TestMachineLimitOpenFilesExits2(t *testing.T) {
	t.Parallel()
	h := simulator.ReadHostLimits()
	if h.OpenFiles == 0 || h.OpenFiles > 1<<20 {
		t.Skip("no usable RLIMIT_NOFILE here")
	}
	e, _, errb := testEnv(nil)
	code := runCmd(t.Context(), e, "run", []string{"echo-baseline", "--vus", "2000000", "--clients-per-worker", "2000000", "--target", "http://127.0.0.1:1"})
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errb.String(), "RLIMIT_NOFILE")
}

func TestHostLimitsCheck(t *testing.T) {
	t.Parallel()
	h := simulator.HostLimits{OpenFiles: 20_000, MemAvailable: 1 << 30} // 95,325 clients at 11 KiB
	assert.NoError(t, h.Check(50_000, 15_000, simulator.Segment{}))
	assert.ErrorIs(t, h.Check(100_000, 15_000, simulator.Segment{}), simulator.ErrMachineLimit, "memory")
	assert.NoError(t, h.Check(100_000, 15_000, simulator.Segment{I: 1, N: 2}), "half of it on this machine")
	assert.ErrorIs(t, h.Check(19_950, 19_950, simulator.Segment{}), simulator.ErrMachineLimit, "open files")
	assert.NoError(t, h.Check(19_950, 15_000, simulator.Segment{}), "split over two processes")
	assert.NoError(t, simulator.HostLimits{}.Check(1<<31-1, 0, simulator.Segment{}), "unknown limits bound nothing")
}
