package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// CheckSchema is the version of the Check JSON; it grows only by new fields.
// 2 added the status warn, summary.warned, and each case's evidence, source
// and upstream; ReadCheck loads 1 and 2.
const CheckSchema = 2

// Check is the record of one conformance run (stampede check).
type Check struct {
	Schema   int          `json:"schema"`
	Target   string       `json:"target"`
	Profile  string       `json:"profile"`
	Strict   bool         `json:"strict"`
	Started  time.Time    `json:"started"`
	Duration float64      `json:"duration_seconds"`
	Summary  CheckSummary `json:"summary"`
	Cases    []CheckCase  `json:"cases"`
	// Notes are what the run says about the target as a whole: a layer that
	// does not apply to it and what to pass instead.
	Notes []string `json:"notes,omitempty"`
	// Command is the command line that wrote the record, when known.
	Command []string `json:"command,omitempty"`
}

// CheckSummary counts the outcomes. Decisive counts the failures that decide
// the exit code: MUST cases, and SHOULD and warned cases under --strict.
type CheckSummary struct {
	Passed   int `json:"passed"`
	Failed   int `json:"failed"`
	Skipped  int `json:"skipped"`
	Warned   int `json:"warned"`
	Decisive int `json:"decisive_failures"`
}

// The statuses of a CheckCase. Warn is a failed case whose requirement is
// stricter than the upstream spec's (source stricter): it decides the exit
// code only under --strict.
const (
	StatusPass = "pass"
	StatusFail = "fail"
	StatusSkip = "skip"
	StatusWarn = "warn"
)

// The sources of a case's requirement.
const (
	SourceUpstream = "upstream" // the upstream protocol spec (or open-webui) requires it
	SourceStricter = "stricter" // PROTOCOL.md's own choice, stricter than upstream
)

// CheckCase is the outcome of one case.
type CheckCase struct {
	ID          string   `json:"id"`
	Section     string   `json:"section"`
	Layer       string   `json:"layer"`
	Level       string   `json:"level"` // MUST or SHOULD
	Requirement string   `json:"requirement"`
	Status      string   `json:"status"`
	Reason      string   `json:"reason,omitempty"` // why skipped, or a one-line failure
	Expected    string   `json:"expected,omitempty"`
	Actual      string   `json:"actual,omitempty"`
	Duration    float64  `json:"duration_seconds"`
	Exchange    []string `json:"exchange,omitempty"` // packets of a failed case
	// Source says whose requirement it is; Upstream, for a stricter one,
	// what the upstream spec asks instead.
	Source   string `json:"source,omitempty"`
	Upstream string `json:"upstream,omitempty"`
	// Evidence is the end of what was sent (>) and received (<), bounded,
	// kept for every case: a pass shows what it was decided on.
	Evidence []string `json:"evidence"`
}

// Tally fills in the summary from the cases.
func (c *Check) Tally() {
	c.Summary = CheckSummary{}
	for _, cs := range c.Cases {
		switch cs.Status {
		case StatusPass:
			c.Summary.Passed++
		case StatusFail:
			c.Summary.Failed++
			if cs.Level == "MUST" || c.Strict {
				c.Summary.Decisive++
			}
		case StatusSkip:
			c.Summary.Skipped++
		case StatusWarn:
			c.Summary.Warned++
			if c.Strict {
				c.Summary.Decisive++
			}
		}
	}
}

// ReadCheck loads a Check record written by WriteCheckJSON, of any schema
// up to CheckSchema; a record without a schema is refused.
func ReadCheck(r io.Reader) (*Check, error) {
	var c Check
	if err := json.NewDecoder(r).Decode(&c); err != nil {
		return nil, fmt.Errorf("failed to read the check record: %w", err)
	}
	if c.Schema < 1 || c.Schema > CheckSchema {
		return nil, fmt.Errorf("failed to read the check record: schema %d, want 1 to %d", c.Schema, CheckSchema)
	}
	return &c, nil
}

// sectionTitles names the sections of PROTOCOL.md.
var sectionTitles = map[string]string{
	"EIO":   "Transport: Engine.IO v4",
	"SIO":   "Socket.IO v5",
	"AUTH":  "Authentication",
	"SESS":  "Sessions and heartbeat",
	"CHAN":  "Rooms and channels",
	"CHAT":  "Chat events",
	"DOC":   "Collaborative documents",
	"SCALE": "Several instances",
	"ECHO":  "The echo contract",
}

// sectionOrder is PROTOCOL.md's order.
var sectionOrder = []string{"EIO", "SIO", "AUTH", "SESS", "CHAN", "CHAT", "DOC", "SCALE", "ECHO"}
