package procstat

import (
	"bytes"
	"os"
	"strconv"
)

// RSS is this process's resident memory in bytes, from /proc/self/statm;
// ok is false where that file does not exist or cannot be read.
func RSS() (bytesRSS int64, ok bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * int64(os.Getpagesize()), true
}
