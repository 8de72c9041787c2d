// Package redistest gives tests a Redis: the machine's shared one at
// 127.0.0.1:6379, or a private redis-server of the test's own that it may
// stop, restart, pause and cut (SCALE-3) without disturbing anything else.
//
// Tests that need Redis fail when there is none (CI installs it), unless
// the environment sets STAMPEDE_NO_REDIS=1, which makes them skip.
package redistest
