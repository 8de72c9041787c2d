package reports

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func sampleCheck() *Check {
	c := &Check{
		Schema: CheckSchema, Target: "http://127.0.0.1:8080", Profile: "documented",
		Started: time.Date(2026, 11, 24, 5, 0, 0, 0, time.UTC), Duration: 1.234,
		Cases: []CheckCase{
			{ID: "SIO-3/invalid-namespace", Section: "SIO", Layer: "socketio", Level: "MUST",
				Requirement: "CONNECT to a namespace the server does not serve gets CONNECT_ERROR.", Status: StatusPass, Duration: 0.012},
			{ID: "EIO-5/websocket", Section: "EIO", Layer: "engineio", Level: "MUST",
				Requirement: "A client that does not answer a ping within pingTimeout is closed.", Status: StatusFail,
				Expected: "the session closed within 2.6s", Actual: "still open after 5s", Duration: 5.001,
				Exchange: []string{"     0s #1 < 0{\"sid\":\"x\"}", "   300ms #1 < 2"},
				Evidence: []string{"     0s #1 < 0{\"sid\":\"x\"}", "   300ms #1 < 2"}},
			{ID: "EIO-8/get-held", Section: "EIO", Layer: "engineio", Level: "MUST",
				Requirement: "Long-polling: GET is held until there is something to send.", Status: StatusSkip,
				Reason: "the target does not serve polling"},
			{ID: "SIO-8/order", Section: "SIO", Layer: "socketio", Level: "SHOULD",
				Requirement: "Events from one socket are handled in arrival order.", Status: StatusFail,
				Expected: `message-back 2`, Actual: `message-back 3 & <x>`, Duration: 0.5},
			{ID: "EIO-5/other-packets", Section: "EIO", Layer: "engineio", Level: "MUST", Source: SourceStricter,
				Upstream:    "SHOULD: the upstream spec",
				Requirement: "A client that does not answer a ping within pingTimeout is closed, even if it keeps sending other packets.",
				Status:      StatusWarn, Expected: "closed within 450ms", Actual: "still open", Duration: 0.75,
				Evidence: []string{"     0s #1 < 0{\"sid\":\"y\"}", "   300ms #1 < 2", "   350ms #1 > 4x"}},
		},
	}
	c.Tally()
	return c
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./reports -update to create %s", path)
	assert.Equal(t, string(want), string(got))
}

func TestTally(t *testing.T) {
	t.Parallel()
	c := sampleCheck()
	assert.Equal(t, CheckSummary{Passed: 1, Failed: 2, Skipped: 1, Warned: 1, Decisive: 1}, c.Summary,
		"only the MUST failure decides, not the SHOULD one nor the warning")
	c.Strict = true
	c.Tally()
	assert.Equal(t, 3, c.Summary.Decisive, "under --strict the SHOULD failure and the warning decide too")
}

func TestWriteCheckText(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	require.NoError(t, WriteCheckText(&b, sampleCheck()))
	golden(t, "check.txt", b.Bytes())
}

func TestWriteCheckJSON(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	require.NoError(t, WriteCheckJSON(&b, sampleCheck()))
	golden(t, "check.json", b.Bytes())
	// CLI.md: at least summary.{passed,failed,skipped} and cases[].{id,status,reason}.
	var doc struct {
		Summary struct{ Passed, Failed, Skipped *int }
		Cases   []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		}
	}
	require.NoError(t, json.Unmarshal(b.Bytes(), &doc))
	require.NotNil(t, doc.Summary.Passed)
	assert.Equal(t, 2, *doc.Summary.Failed)
	assert.Equal(t, "EIO-5/websocket", doc.Cases[1].ID)
	assert.Equal(t, "fail", doc.Cases[1].Status)
	assert.Equal(t, "warn", doc.Cases[4].Status)
	assert.Contains(t, b.String(), `"warned": 1`)
	assert.Contains(t, b.String(), `"source": "stricter"`)
	assert.Contains(t, b.String(), `"schema": 2`)
}

// The JUnit shape CI systems read: testsuites > testsuite > testcase with
// failure or skipped children and consistent counts.
func TestWriteCheckJUnit(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	require.NoError(t, WriteCheckJUnit(&b, sampleCheck()))
	golden(t, "check.junit.xml", b.Bytes())

	var doc junitSuites
	require.NoError(t, xml.Unmarshal(b.Bytes(), &doc))
	assert.Equal(t, 5, doc.Tests)
	assert.Equal(t, 2, doc.Failures)
	assert.Equal(t, 1, doc.Skipped)
	require.Len(t, doc.Suites, 2)
	assert.Equal(t, "EIO", doc.Suites[0].Name, "sections in PROTOCOL.md order")
	var failures, skips, total int
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			total++
			if c.Failure != nil {
				failures++
				assert.NotEmpty(t, c.Failure.Message)
				assert.Contains(t, c.Failure.Body, "requirement:")
			}
			if c.Skipped != nil {
				skips++
				assert.NotEmpty(t, c.Skipped.Message)
			}
		}
		assert.Equal(t, len(s.Cases), s.Tests)
	}
	assert.Equal(t, []int{5, 2, 1}, []int{total, failures, skips}, "a warning is no failure outside --strict")
	assert.Contains(t, b.String(), "&amp; &lt;x&gt;", "XML special characters escaped")
	warn := junitCaseByName(t, doc, "EIO-5/other-packets")
	assert.Nil(t, warn.Failure)
	assert.True(t, strings.HasPrefix(warn.SystemOut, "WARN stricter than upstream"), warn.SystemOut)
	assert.Contains(t, warn.SystemOut, "still open")
}

// Under --strict a warning is a JUnit failure typed WARN, and counted.
func TestWriteCheckJUnitStrictWarn(t *testing.T) {
	t.Parallel()
	c := sampleCheck()
	c.Strict = true
	c.Tally()
	var b bytes.Buffer
	require.NoError(t, WriteCheckJUnit(&b, c))
	var doc junitSuites
	require.NoError(t, xml.Unmarshal(b.Bytes(), &doc))
	assert.Equal(t, 3, doc.Failures)
	warn := junitCaseByName(t, doc, "EIO-5/other-packets")
	require.NotNil(t, warn.Failure)
	assert.Equal(t, "WARN", warn.Failure.Type)
	assert.Contains(t, warn.Failure.Message, "stricter than upstream")
}

func junitCaseByName(t *testing.T, doc junitSuites, name string) junitCase {
	t.Helper()
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if c.Name == name {
				return c
			}
		}
	}
	require.Failf(t, "no testcase", "%s", name)
	return junitCase{}
}

// A record of schema 1 (before warn and evidence) still loads; the current
// schema round-trips; a file that is no check record is refused.
func TestReadCheck(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join("testdata", "check-schema1.json"))
	require.NoError(t, err)
	defer f.Close()
	old, err := ReadCheck(f)
	require.NoError(t, err)
	assert.Equal(t, 1, old.Schema)
	assert.Equal(t, 2, old.Summary.Failed)
	assert.Equal(t, "fail", old.Cases[1].Status)
	assert.NotEmpty(t, old.Cases[1].Exchange)

	var b bytes.Buffer
	require.NoError(t, WriteCheckJSON(&b, sampleCheck()))
	got, err := ReadCheck(&b)
	require.NoError(t, err)
	assert.Equal(t, sampleCheck(), got)

	for _, bad := range []string{`{"schema":0}`, `{"schema":99}`, `not json`} {
		_, err := ReadCheck(strings.NewReader(bad))
		assert.Error(t, err, bad)
	}
}
