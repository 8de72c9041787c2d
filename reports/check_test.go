package reports

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
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
				Exchange: []string{"     0s #1 < 0{\"sid\":\"x\"}", "   300ms #1 < 2"}},
			{ID: "EIO-8/get-held", Section: "EIO", Layer: "engineio", Level: "MUST",
				Requirement: "Long-polling: GET is held until there is something to send.", Status: StatusSkip,
				Reason: "the target does not serve polling"},
			{ID: "SIO-8/order", Section: "SIO", Layer: "socketio", Level: "SHOULD",
				Requirement: "Events from one socket are handled in arrival order.", Status: StatusFail,
				Expected: `message-back 2`, Actual: `message-back 3 & <x>`, Duration: 0.5},
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
	assert.Equal(t, CheckSummary{Passed: 1, Failed: 2, Skipped: 1, Decisive: 1}, c.Summary, "only the MUST failure decides")
	c.Strict = true
	c.Tally()
	assert.Equal(t, 2, c.Summary.Decisive, "under --strict the SHOULD failure decides too")
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
	assert.Equal(t, 4, doc.Tests)
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
	assert.Equal(t, []int{4, 2, 1}, []int{total, failures, skips})
	assert.Contains(t, b.String(), "&amp; &lt;x&gt;", "XML special characters escaped")
}
