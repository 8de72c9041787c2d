package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/stampede-sio/stampede/internal/threshold"
)

// WriteRunJUnit writes a load run's thresholds in the JUnit XML that CI
// systems read: one testsuite for the run, one testcase per threshold
// (the default starts_dropped == 0 among them, as the run added it), a
// broken one as a <failure> whose message gives the observed value and the
// limit. A run interrupted by a signal adds a failed testcase "completed":
// its figures are partial.
func WriteRunJUnit(w io.Writer, r *Run) error {
	suite := junitSuite{Name: "stampede run " + r.Scenario, Time: ftoa(r.Seconds())}
	class := "stampede.run." + r.Scenario
	for _, t := range r.Thresholds {
		jc := junitCase{Name: t.Expr, ClassName: class, Time: ftoa(0)}
		if !t.OK {
			jc.Failure = thresholdFailure(t)
			suite.Failures++
		}
		suite.Tests++
		suite.Cases = append(suite.Cases, jc)
	}
	if r.Interrupted {
		suite.Tests++
		suite.Failures++
		suite.Cases = append(suite.Cases, junitCase{Name: "completed", ClassName: class, Time: ftoa(0),
			Failure: &junitFailure{Type: "interrupted", Message: "the run was interrupted by a signal: partial results"}})
	}
	root := junitSuites{Name: suite.Name, Tests: suite.Tests, Failures: suite.Failures, Time: suite.Time, Suites: []junitSuite{suite}}
	return writeJUnit(w, root)
}

// thresholdFailure says what a broken threshold observed against its
// limit, or why it could not be evaluated.
func thresholdFailure(t ThresholdResult) *junitFailure {
	if t.Err != "" {
		return &junitFailure{Type: "invalid", Message: t.Err, Body: t.Err + "\n"}
	}
	msg := fmt.Sprintf("observed %s, limit %s", t.Actual, thresholdLimit(t.Expr))
	body := fmt.Sprintf("threshold: %s\nobserved: %s\n", t.Expr, t.Actual)
	return &junitFailure{Type: "threshold", Message: msg, Body: body}
}

// thresholdLimit is the operator and value of a threshold as written:
// "< 100ms" of "ack_p99 < 100ms".
func thresholdLimit(expr string) string {
	t, err := threshold.Parse(expr)
	if err != nil {
		return expr
	}
	i := strings.Index(expr, t.Op)
	if t.Tags != nil {
		i = strings.Index(expr[strings.LastIndexByte(expr, '}'):], t.Op) + strings.LastIndexByte(expr, '}')
	}
	return t.Op + " " + strings.TrimSpace(expr[i+len(t.Op):])
}
