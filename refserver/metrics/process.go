package metrics

// processCollector exports the process_* families of the official client's
// process collector. Each platform file supplies collect; what a platform
// cannot read is left out of the scrape rather than reported as an error.
type processCollector struct {
	cpu, rss, vsize, openFDs, maxFDs, startTime desc

	procDir string  // the proc filesystem, "/proc" outside tests (Linux only)
	start   float64 // process start time in Unix seconds; 0 if unknown
}

// RegisterProcessCollector registers process_cpu_seconds_total,
// process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds and process_start_time_seconds, with
// the official client's names, help and meaning. Linux reports all of them,
// from /proc and getrlimit; other Unix systems report CPU time and the descriptor limit;
// other systems report nothing. Errors go to [Registry.Err].
func RegisterProcessCollector(r *Registry) {
	c := newProcessCollector("/proc")
	r.register(c, c.cpu.name, c.rss.name, c.vsize.name, c.openFDs.name, c.maxFDs.name, c.startTime.name)
}

func newProcessCollector(procDir string) *processCollector {
	c := &processCollector{
		cpu:       desc{"process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", typeCounter},
		rss:       desc{"process_resident_memory_bytes", "Resident memory size in bytes.", typeGauge},
		vsize:     desc{"process_virtual_memory_bytes", "Virtual memory size in bytes.", typeGauge},
		openFDs:   desc{"process_open_fds", "Number of open file descriptors.", typeGauge},
		maxFDs:    desc{"process_max_fds", "Maximum number of open file descriptors.", typeGauge},
		startTime: desc{"process_start_time_seconds", "Start time of the process since unix epoch in seconds.", typeGauge},
		procDir:   procDir,
	}
	c.start = c.readStartTime() // read once: it never changes
	return c
}
