// Package scenarios owns the YAML scenario model of `stampede run`: the
// schema (Scenario and its parts), Load (YAML → Scenario, with every error's
// line and field), Validate (every problem at once, k6-style), the dotted
// --set overrides, the --vus/--duration scaling, and the built-in scenario
// files (embedded; also plain files in this folder).
//
// It is pure: no goroutines, no network. It imports nothing else of
// stampede. Concurrency: a loaded Scenario is immutable; share it freely.
package scenarios
