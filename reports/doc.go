// Package reports owns stampede's result records and the reporters that
// render them: for conformance runs a Check record with text, JSON and
// JUnit writers (and, as the simulator lands, run results, HDR summaries,
// comparisons and HTML). Collection is apart from presentation: commands
// write records, reporters render them. Writers are plain functions of an
// io.Writer and a record; nothing here keeps state or starts goroutines, and
// the package imports nothing else of stampede.
package reports
