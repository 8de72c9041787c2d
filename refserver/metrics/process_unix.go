//go:build unix && !linux

package metrics

import "syscall"

// collect reports what getrusage and getrlimit give without a proc
// filesystem: CPU time and the descriptor limit.
func (c *processCollector) collect(dst []family) []family {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		dst = append(dst, c.cpu.single(float64(ru.Utime.Nano()+ru.Stime.Nano())/1e9))
	}
	if n, ok := maxFDs(); ok {
		dst = append(dst, c.maxFDs.single(n))
	}
	return dst
}

func (c *processCollector) readStartTime() float64 { return 0 }
