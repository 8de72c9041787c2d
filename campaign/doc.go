// Package campaign runs load runs as a series: each on a fresh, managed
// reference server (the stampede binary's own `serve`, started as a child
// process with the run's server settings) or against a given target.
//
// A Server is one managed refserver: Start launches it on a free port of
// 127.0.0.1, waits for its ready line and returns its URL; Stop ends it
// (SIGTERM, then SIGKILL after a grace period). Settings holds the
// server.* keys of a scenario or sweep (server.ping_interval=1s is serve's
// --ping-interval=1s).
//
// A Runner does one run: the scenario prepared with its --set values, a
// fresh server when the run is managed, the simulator, and a Watch of the
// server's own figures (sessions, bytes, CPU and memory, polled every
// 100 ms) from which the per-client costs and the time a vanished client
// stays connected are worked out.
//
// Sweep runs one combination of varied settings after another; Capacity
// searches the largest population (or arrival rate) at which every SLO
// holds. Neither prints: they return results, and tell a Logf callback
// what they are doing.
package campaign
