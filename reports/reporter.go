package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// The output formats of stampede report.
const (
	FormatText     = "text"
	FormatJSON     = "json"
	FormatHTML     = "html"
	FormatMarkdown = "markdown"
)

// Formats lists the formats every record renders in.
var Formats = []string{FormatText, FormatJSON, FormatHTML, FormatMarkdown}

// RunReporter renders a load run in one format.
type RunReporter func(io.Writer, *Run) error

// CheckReporter renders a conformance run in one format.
type CheckReporter func(io.Writer, *Check) error

// runReporters and checkReporters are the reporters by format.
var (
	runReporters = map[string]RunReporter{
		FormatText: WriteRunText, FormatJSON: WriteRunJSON, FormatHTML: WriteRunHTML, FormatMarkdown: WriteRunMarkdown,
	}
	checkReporters = map[string]CheckReporter{
		FormatText: WriteCheckText, FormatJSON: WriteCheckJSON, FormatHTML: WriteCheckHTML, FormatMarkdown: WriteCheckMarkdown,
	}
)

// FormatOf is the format a file name asks for by its extension (.html,
// .htm, .md, .markdown, .json), or "" for any other name.
func FormatOf(path string) string {
	switch {
	case strings.HasSuffix(path, ".html"), strings.HasSuffix(path, ".htm"):
		return FormatHTML
	case strings.HasSuffix(path, ".md"), strings.HasSuffix(path, ".markdown"):
		return FormatMarkdown
	case strings.HasSuffix(path, ".json"):
		return FormatJSON
	}
	return ""
}

// Record is a record read from a file: a load run (stampede run) or a
// conformance run (stampede check); exactly one of the two is set.
type Record struct {
	Run   *Run
	Check *Check
}

// ReadRecordFile reads a run or check record, telling them apart by their
// fields: a check record has cases, a run record a series.
func ReadRecordFile(path string) (Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Record{}, err
	}
	var probe struct {
		Cases json.RawMessage `json:"cases"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return Record{}, fmt.Errorf("failed to read the record: %w", err)
	}
	if probe.Cases != nil {
		c, err := ReadCheck(bytes.NewReader(data))
		return Record{Check: c}, err
	}
	r, err := ReadRun(bytes.NewReader(data))
	return Record{Run: r}, err
}

// Write renders the record in format (one of Formats).
func (rec Record) Write(w io.Writer, format string) error {
	if !slices.Contains(Formats, format) {
		return fmt.Errorf("unknown format %q: want one of %s", format, strings.Join(Formats, ", "))
	}
	if rec.Check != nil {
		return checkReporters[format](w, rec.Check)
	}
	return runReporters[format](w, rec.Run)
}
