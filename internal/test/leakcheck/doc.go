// Package leakcheck ends a test binary with a goroutine-leak check
// (go.uber.org/goleak) that runs after the package's own clean-up, such as
// closing the keep-alive connections its tests leave idle on purpose.
// It is for TestMain only.
package leakcheck
