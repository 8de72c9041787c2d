package simulator

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ReadHostLimits reads this machine's limits: RLIMIT_NOFILE and
// /proc/meminfo's MemAvailable; what it cannot read stays zero.
func ReadHostLimits() HostLimits {
	var h HostLimits
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil && lim.Max != ^uint64(0) { // not RLIM_INFINITY
		h.OpenFiles = lim.Max
	}
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return h
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err == nil {
				h.MemAvailable = kb << 10
			}
			break
		}
	}
	return h
}
