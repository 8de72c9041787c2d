// Package reports owns stampede's result records and the reporters that
// render them: for conformance runs a Check record (schema-versioned; each
// case with its status pass, fail, skip or warn and its evidence) with text,
// JSON and JUnit writers and ReadCheck; for load runs a Run record (schema-versioned JSON with
// per-second series and HDR histograms in compressed form), its text
// summary, segment merging, and the evaluation of thresholds. The
// threshold grammar and the built-in metric names live in the leaf
// internal/threshold (shared with scenarios' validation); metrics.go
// re-exports the names. Collection is apart from presentation: commands
// write records, reporters render them. Writers are plain functions of an
// io.Writer and a record; nothing here keeps state or starts goroutines, and
// of stampede the package imports only that leaf.
package reports
