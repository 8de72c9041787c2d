package simulator

import (
	"bytes"
	"os"
	"strconv"
)

// selfRSS is this process's resident memory in bytes, from
// /proc/self/statm; nil where that file does not exist.
func selfRSS() *int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return nil
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return nil
	}
	pages, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil {
		return nil
	}
	v := pages * int64(os.Getpagesize())
	return &v
}
