package simulator

import (
	"errors"
	"fmt"
)

// ClientMemory is the memory one connected client costs the simulator, as
// measured (README: 10.9–11.3 KiB RSS per client over 50,000 clients in
// three worker processes): what the machine bound divides its memory by.
const ClientMemory = 11 << 10

// fileHeadroom is what a worker process keeps of its open files for
// reconnections, HTTP requests and its own files.
const fileHeadroom = 100

// ErrMachineLimit is returned by HostLimits.Check when a run needs more
// than this machine holds (stampede run and validate exit 2).
var ErrMachineLimit = errors.New("simulator: more than this machine holds")

// HostLimits is what this machine can hold: open files per process and
// available memory. A zero field is unknown and bounds nothing.
type HostLimits struct {
	OpenFiles    uint64 // RLIMIT_NOFILE of a process (the hard limit: Go raises the soft one to it)
	MemAvailable uint64 // bytes, /proc/meminfo's MemAvailable
}

// MaxClients is the most clients the available memory holds, at
// ClientMemory each; 0: unknown.
func (h HostLimits) MaxClients() uint64 { return h.MemAvailable / ClientMemory }

// Check returns an error wrapping ErrMachineLimit, naming the limit, when
// segment s of a run whose peak is peak clients, at most perWorker per
// process, needs more than h: more clients per process than its open
// files allow, or more clients (in however many worker processes) than
// the memory holds.
func (h HostLimits) Check(peak, perWorker int, s Segment) error {
	if perWorker <= 0 {
		perWorker = DefaultClientsPerWorker
	}
	share := uint64(peak)
	if !s.Whole() {
		share = (share + uint64(s.N) - 1) / uint64(s.N)
	}
	perProcess := min(uint64(perWorker), share)
	if h.OpenFiles > 0 && perProcess+fileHeadroom > h.OpenFiles {
		return fmt.Errorf("%w: %d clients per process, but a process may open %d files (RLIMIT_NOFILE, %d of them kept for its own use): lower --clients-per-worker",
			ErrMachineLimit, perProcess, h.OpenFiles, fileHeadroom)
	}
	if most := h.MaxClients(); most > 0 && share > most {
		return fmt.Errorf("%w: %d clients in %d worker processes, but the available memory (%d MiB, /proc/meminfo MemAvailable) holds about %d at %d KiB each: lower the population or split the run over machines with --segment i/n",
			ErrMachineLimit, share, Workers(peak, perWorker, s), h.MemAvailable>>20, most, ClientMemory>>10)
	}
	return nil
}
