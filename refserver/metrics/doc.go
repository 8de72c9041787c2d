// Package metrics is the reference server's Prometheus instrumentation: a
// Registry of counters and gauges (plain, labelled and computed at scrape
// time), the standard process_* and go_* collectors, and an http.Handler that
// serves them.
//
// It implements the subset of the Prometheus text exposition format 0.0.4
// that the reference server needs (counter, gauge and summary families with
// HELP and TYPE lines, escaped label values, families sorted by name), so the
// refserver needs no dependency beyond the standard library. The standard
// collectors keep the names, types and meaning of the official Go client
// (github.com/prometheus/client_golang), so existing dashboards work
// unchanged. See
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
//
// # Registration errors
//
// Registration never panics and never returns an error at the call site: a
// constructor such as [Registry.NewCounter] always returns a usable metric,
// and a mistake (invalid or duplicate name, bad label names, a wrong number of
// label values in With) is kept by the registry and reported by
// [Registry.Err]. A metric whose registration failed still counts but is not
// exported. Check Err once after wiring, the way bufio.Scanner reports Err
// after the loop.
//
// # Concurrency
//
// Every method is safe for concurrent use. Updating a Counter or Gauge is a
// single atomic operation (a compare-and-swap loop for float additions) and
// never allocates. With on a vector takes a read lock and a map lookup, so
// hot paths should call it once and keep the child. Scrapes read metric
// values atomically while they are being updated; the registry's mutex only
// guards registration. The Go collector reads runtime/metrics, which does
// not stop the world, and falls back to one runtime.ReadMemStats per scrape
// only when a runtime/metrics key is missing.
package metrics
