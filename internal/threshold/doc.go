// Package threshold owns the built-in metric names (metrics.go: what the
// simulator records, with each metric's kind and tag) and the threshold
// grammar over them (Parse): the one definition that package scenarios
// validates a scenario's thresholds with and package reports evaluates
// them with, so that a threshold `stampede validate` accepts is one a run
// can evaluate. The change rules of stampede report compare --fail-if
// (ParseChange) share its metric, statistic and tag syntax.
//
// It is a leaf: it imports nothing of stampede, keeps no state and starts
// no goroutines; everything here is safe for concurrent use.
package threshold
