package loadbench

import (
	"cmp"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// STAMPEDE_BENCH_PROFILE=dir makes BenchmarkSessionMemory save the server's
// heap profile (sampled every 256 bytes on average) and goroutine dump to
// dir once its sessions are idle, to see who holds a session's bytes
// (issue 16). The sampling costs memory of its own, and its stack walks grow
// goroutine stacks: the RSS it reports then is not the figure to quote.
// STAMPEDE_BENCH_PROFILE_RATE=524288 (Go's default) leaves both as they are
// and still saves the runtime's MemStats (heap.txt).
var profileDir = os.Getenv("STAMPEDE_BENCH_PROFILE")

// profileRate is the server's runtime.MemProfileRate when profiled.
var profileRate = cmp.Or(os.Getenv("STAMPEDE_BENCH_PROFILE_RATE"), "256")

// profileAddr is where the profiled server serves its profiles.
const profileAddr = "127.0.0.1:28317"

// saveProfiles, when asked to, writes the profiled server's MemStats, its
// goroutines, its heap profile and its MemStats after that profile's GC.
func saveProfiles(tb testing.TB) bool {
	tb.Helper()
	if profileDir == "" || target.name != "stampede" {
		return false
	}
	for _, p := range [][2]string{ // in this order: the first MemStats before any forced GC
		{"heap.txt", "/debug/pprof/heap?debug=1"}, // ends with the runtime's MemStats
		{"goroutines.txt", "/debug/pprof/goroutine?debug=1"},
		{"heap.pprof", "/debug/pprof/heap?gc=1"},
		{"heap-after-gc.txt", "/debug/pprof/heap?debug=1"},
	} {
		if err := fetchTo(filepath.Join(profileDir, p[0]), "http://"+profileAddr+p[1]); err != nil {
			tb.Fatal(err)
		}
	}
	return true
}

func fetchTo(file, url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
