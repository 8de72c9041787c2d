// Package schedule owns when a run's virtual clients start and stop: the
// executors (one per phase kind: ramp, constant, arrival, spike, hold), the
// Population they start clients into, the Segment of the run one process
// executes, and the Start handle each client gets. It knows nothing of what
// a client does: package simulator passes a StartFunc (Env.StartVU) and
// this package calls it, so dependencies point one way (schedule imports
// scenarios for the phases and simulator/metrics for the generator's
// metrics, never simulator).
//
// # Concurrency
//
// Run, Teardown and Wait belong to one goroutine, the run's: they are not
// safe to call concurrently with each other. Each StartFunc runs on a
// goroutine of its own (reused, see starters), concurrently with the other
// clients' and with Run; Running is safe from any goroutine. A client's
// Start is its own: the StartFunc, and the client once it detached, call
// Connected and Detach; Index and Intended are read-only. Cancelling the
// ctx given to New (or a constant phase, or Teardown) cancels the clients'
// contexts; a client that detached reports its end by calling the function
// Detach returned, from whichever goroutine carries it then.
//
// # Executors
//
// One type per phase kind (k6's executors: closed.go, open.go), run in
// order by Population.Run. Each decides when clients start and calls the StartFunc
// in a goroutine of its own (one reused from a client that parked, see
// starters); constant also stops clients.
//
// Indexes are global: every phase hands out the next indexes of the whole
// run, in increasing order, whether this process owns them or not, so that
// the N processes of a run split with Segment compute the same schedule and
// together start every client exactly once. A process starts only the
// indexes its Segment owns, which is also how it runs 1/N of every rate.
//
// The population a phase sees is the set of indexes scheduled by earlier
// phases and not stopped by a constant phase, across all segments. A start
// the generator dropped still counts (segments could not agree otherwise),
// and a client whose flow ended is not replaced.
//
// # Schedules
//
//   - ramp (closed model): the population goes linearly from From to To
//     over Duration. A population below From is first brought to From at
//     once (as a spike with DefaultMaxInFlight dials at a time); then the
//     client that brings the population from level L to L+1 is intended
//     at start + Duration·(L−From)/(To−From): with from 0, to 4 over 2s,
//     at 0, 0.5s, 1s and 1.5s. Ramps only go up: a population already
//     above a level is not stopped.
//   - constant (closed model): brings the population to Population at the
//     start of the phase (0: keeps it), starting the shortfall at once (as
//     a spike with DefaultMaxInFlight) or stopping the newest clients, then
//     holds for Duration.
//   - arrival (open model): client k of the phase is intended at
//     start + k/Rate, for every k with k/Rate < Duration. See arrival for
//     the delay and drop policy.
//   - spike: Population clients start as fast as MaxInFlight dials at a
//     time allow (see Start); the phase lasts Duration or until
//     its last client has started, whichever is later, so a storm slower
//     than its Duration pushes the later phases back.
//   - hold: starts no one for Duration.
//
// Ramp and arrival starts have an intended time: each one records its
// lateness (actual − intended) in the lag timer, and counts as delayed when
// it is more than DelayTolerance late. Spike and burst starts have no
// schedule: their intended time is when they got their dial slot.
package schedule
