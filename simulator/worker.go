package simulator

// DefaultClientsPerWorker is how many clients one process runs at most
// before `stampede run` splits the run over worker processes: a process
// holds at most ~19,900 sockets (PERFORMANCE.md: 20,000 open files, hard),
// and needs headroom for reconnections, HTTP requests and its own files.
const DefaultClientsPerWorker = 15_000

// Workers is how many worker processes segment s of a run whose peak is
// peak clients needs with at most limit clients each: ⌈⌈peak/N⌉/limit⌉,
// at least 1 (1: run in this process).
func Workers(peak, limit int, s Segment) int {
	if limit <= 0 {
		limit = DefaultClientsPerWorker
	}
	share := peak
	if !s.Whole() {
		share = (peak + s.N - 1) / s.N
	}
	return max((share+limit-1)/limit, 1)
}

// ClientsPerSource is how many connections one source address should carry
// to one server port at most (PERFORMANCE.md: binding a source slows
// sharply after ~14k, with 28,232 ephemeral ports per source and
// destination).
const ClientsPerSource = 12_000

// sourceLoad is the most clients of a run whose peak is peak that one
// (source address, target) pair carries, with S sources and T targets:
// client i dials target i mod T from source i mod S, so the pairs in use
// repeat every lcm(S,T) indexes and each carries ⌈peak/lcm(S,T)⌉ ≤ ⌈peak/S⌉.
// Indexes are global, so this holds for the whole run whichever process
// runs each client: with 127.0.0.1 … 127.0.0.9 (Sources' default for
// loopback targets) up to 9 × 12,000 = 108,000 clients per server port.
func sourceLoad(peak, sources, targets int) int {
	s, t := max(sources, 1), max(targets, 1)
	l := s / gcd(s, t) * t
	return (peak + l - 1) / l
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
