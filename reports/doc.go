// Package reports owns stampede's result records and the reporters that
// render them: for conformance runs a Check record (schema-versioned; each
// case with its status pass, fail, skip or warn and its evidence) with text,
// JSON and JUnit writers and ReadCheck; for load runs a Run record (schema-versioned JSON with
// per-second series, each second with every timer's p50/p90/p99/max and the
// errors by kind, and HDR histograms in compressed form), its text
// summary, segment merging, the evaluation of thresholds, and their JUnit
// XML (run_junit.go). Several run records compare side by side (Compare,
// compare*.go): the same metrics with every later record's difference and
// ratio to the first, and change rules (threshold.ParseChange, stampede
// report compare --fail-if) checked on each later record, in text,
// Markdown, JSON and HTML with the records' HDR distributions and series
// overlaid. Run and check records both render
// as text, JSON, Markdown (a summary to paste into a pull request) and one
// self-contained HTML page (reporter.go maps formats to writers): the
// page's stylesheet and script are embedded (html/), its plots are SVG
// drawn here (svg.go, html_plots.go; no charting library), lines are
// downsampled to 1000 points keeping minima and maxima, and a
// Content-Security-Policy forbids it to load anything. The
// threshold grammar and the built-in metric names live in the leaf
// internal/threshold (shared with scenarios' validation); metrics.go
// re-exports the names. Collection is apart from presentation: commands
// write records, reporters render them. Writers are plain functions of an
// io.Writer and a record; nothing here keeps state or starts goroutines, and
// of stampede the package imports only that leaf.
package reports
