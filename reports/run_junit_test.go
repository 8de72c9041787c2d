package reports

import (
	"bytes"
	"encoding/xml"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteRunJUnit(t *testing.T) {
	t.Parallel()
	run := sampleRun(t)
	run.Thresholds, _ = Evaluate(run, WithDefaultThresholds([]string{"ack_p99{event:user-join} < 100ms", "error_rate < 0.1%", "lag_p99<1ms", "nope < 1"}))
	var b bytes.Buffer
	require.NoError(t, WriteRunJUnit(&b, run))
	golden(t, "run.junit.xml", b.Bytes())

	var got junitSuites
	require.NoError(t, xml.Unmarshal(b.Bytes(), &got))
	require.Len(t, got.Suites, 1)
	s := got.Suites[0]
	assert.Equal(t, 5, s.Tests, "one testcase per threshold, the default starts_dropped == 0 among them")
	assert.Equal(t, 3, s.Failures)
	byName := map[string]junitCase{}
	for _, c := range s.Cases {
		byName[c.Name] = c
	}
	assert.Nil(t, byName["ack_p99{event:user-join} < 100ms"].Failure)
	assert.Nil(t, byName["starts_dropped == 0"].Failure)
	require.NotNil(t, byName["error_rate < 0.1%"].Failure)
	assert.Equal(t, "observed 0.3%, limit < 0.1%", byName["error_rate < 0.1%"].Failure.Message)
	assert.Equal(t, "observed 15ms, limit < 1ms", byName["lag_p99<1ms"].Failure.Message)
	assert.Equal(t, "invalid", byName["nope < 1"].Failure.Type)
	assert.Contains(t, byName["nope < 1"].Failure.Message, `unknown metric "nope"`)
}

func TestWriteRunJUnitInterrupted(t *testing.T) {
	t.Parallel()
	run := sampleRun(t)
	run.Interrupted = true
	run.Thresholds = nil
	var b bytes.Buffer
	require.NoError(t, WriteRunJUnit(&b, run))
	var got junitSuites
	require.NoError(t, xml.Unmarshal(b.Bytes(), &got))
	assert.Equal(t, 1, got.Failures)
	require.Len(t, got.Suites[0].Cases, 1)
	assert.Equal(t, "completed", got.Suites[0].Cases[0].Name)
	assert.Equal(t, "interrupted", got.Suites[0].Cases[0].Failure.Type)
}

func TestThresholdLimit(t *testing.T) {
	t.Parallel()
	for expr, want := range map[string]string{
		"ack_p99 < 100ms":                      "< 100ms",
		"ack_p99{event:a<b} <= 1s":             "<= 1s",
		"  starts_dropped   ==   0 ":           "== 0",
		"push_p99{event:events:channel}>250ms": "> 250ms",
		"garbage":                              "garbage",
	} {
		assert.Equal(t, want, thresholdLimit(expr), expr)
	}
}
