// Package procstat reads this process's own resource figures from /proc,
// for the simulator's record and for tests and benchmarks that measure
// memory. It holds no state and starts no goroutine; off Linux every
// figure is reported as unknown.
package procstat
