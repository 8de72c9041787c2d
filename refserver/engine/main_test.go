package engine

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind: every
// session's read loop, drain and pending GET must end with the session.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
