package schedule

// Segment is the share of a run one process executes (k6's execution
// segments): virtual clients whose index i satisfies i % N == I-1, and 1/N
// of every arrival rate. The zero value is the whole run (1/1).
type Segment struct{ I, N int }

// Whole reports whether s covers the whole run.
func (s Segment) Whole() bool { return s.N <= 1 }

// Owns reports whether the client with this global index belongs to s.
func (s Segment) Owns(index int) bool { return s.Whole() || index%s.N == s.I-1 }

// Split divides s into m segments that together own exactly the indexes s
// owns: {I + N·j, N·m} for j = 0 … m−1. An index i owned by s has
// i ≡ I−1 (mod N); it is owned by the one j with i ≡ I−1+N·j (mod N·m). Each
// part runs 1/(N·m) of the rates, so the parts add up to s.
func (s Segment) Split(m int) []Segment {
	n := max(s.N, 1)
	first := 1
	if !s.Whole() {
		first = s.I
	}
	out := make([]Segment, max(m, 1))
	for j := range out {
		out[j] = Segment{I: first + n*j, N: n * len(out)}
	}
	if len(out) == 1 {
		out[0] = s
	}
	return out
}
