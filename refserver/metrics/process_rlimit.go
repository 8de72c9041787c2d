//go:build unix

package metrics

import "syscall"

// maxFDs returns the soft RLIMIT_NOFILE, as the official client reports it.
func maxFDs() (float64, bool) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, false
	}
	return float64(lim.Cur), true
}
