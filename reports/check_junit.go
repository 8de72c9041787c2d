package reports

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// WriteCheckJSON writes the record as indented JSON (CLI.md's
// machine-readable check results).
func WriteCheckJSON(w io.Writer, c *Check) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteCheckJUnit writes the record in the JUnit XML that CI systems read:
// one testsuite per section, failures as <failure>, skips as <skipped>.
// SHOULD failures outside --strict are reported as failures too, typed
// SHOULD, so that they are visible; the exit code is what gates. A warned
// case (stricter than upstream) is a failure typed WARN under --strict, and
// otherwise a passed testcase whose system-out starts with "WARN", so that
// CI shows it without turning red.
func WriteCheckJUnit(w io.Writer, c *Check) error {
	root := junitSuites{Name: "stampede check " + c.Target, Time: ftoa(c.Duration)}
	for _, sec := range sections(c.Cases) {
		suite := junitSuite{Name: sec}
		var total float64
		for _, cs := range c.Cases {
			if cs.Section != sec {
				continue
			}
			jc := junitCase{Name: cs.ID, ClassName: "stampede." + cs.Layer + "." + sec, Time: ftoa(cs.Duration)}
			switch cs.Status {
			case StatusFail:
				jc.Failure = &junitFailure{Type: cs.Level, Message: "expected " + cs.Expected + "; actual " + cs.Actual,
					Body: failureBody(cs)}
				suite.Failures++
			case StatusSkip:
				jc.Skipped = &junitSkipped{Message: cs.Reason}
				suite.Skipped++
			case StatusWarn:
				msg := "stricter than upstream (" + cs.Upstream + "): expected " + cs.Expected + "; actual " + cs.Actual
				if c.Strict {
					jc.Failure = &junitFailure{Type: "WARN", Message: msg, Body: failureBody(cs)}
					suite.Failures++
				} else {
					jc.SystemOut = "WARN " + msg + "\n" + failureBody(cs)
				}
			}
			suite.Tests++
			total += cs.Duration
			suite.Cases = append(suite.Cases, jc)
		}
		suite.Time = ftoa(total)
		root.Tests += suite.Tests
		root.Failures += suite.Failures
		root.Skipped += suite.Skipped
		root.Suites = append(root.Suites, suite)
	}
	return writeJUnit(w, root)
}

// writeJUnit writes the XML header and root, indented.
func writeJUnit(w io.Writer, root junitSuites) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func failureBody(cs CheckCase) string {
	var b strings.Builder
	fmt.Fprintf(&b, "requirement: %s\nexpected: %s\nactual: %s\n", cs.Requirement, cs.Expected, cs.Actual)
	for _, e := range cs.Exchange {
		b.WriteString(e)
		b.WriteByte('\n')
	}
	return b.String()
}

func ftoa(s float64) string { return fmt.Sprintf("%.3f", s) }
