package reports

import "time"

// CheckSchema is the version of the Check JSON; it grows only by new fields.
const CheckSchema = 1

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
}

// CheckSummary counts the outcomes. Decisive counts the failures that decide
// the exit code: MUST cases, and SHOULD cases under --strict.
type CheckSummary struct {
	Passed   int `json:"passed"`
	Failed   int `json:"failed"`
	Skipped  int `json:"skipped"`
	Decisive int `json:"decisive_failures"`
}

// The statuses of a CheckCase.
const (
	StatusPass = "pass"
	StatusFail = "fail"
	StatusSkip = "skip"
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
		}
	}
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
