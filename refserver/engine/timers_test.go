package engine

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The shared ping timers take the sessions that are due, in order, leave
// the others armed, and forget a stopped one (issue 16). The clock is the
// test's; the sessions are closed, so that their onTimer does nothing.
func TestPingTimersFireDue(t *testing.T) {
	t.Parallel()
	var now time.Duration
	pt := &pingTimers{clock: func() time.Duration { return now }}
	at := map[string]time.Duration{"a": 30 * time.Second, "b": 10 * time.Second, "c": 20 * time.Second, "d": 40 * time.Second}
	sessions := map[string]*Session{}
	for id, when := range at {
		s := &Session{id: id, timerIdx: -1, closed: true}
		sessions[id] = s
		pt.set(s, when)
	}
	armed := func() []string {
		var ids []string
		for _, s := range pt.due {
			ids = append(ids, s.id)
		}
		return ids
	}
	assert.Equal(t, "b", pt.due[0].id, "the earliest is at the root")
	assert.Equal(t, 10*time.Second, pt.armed)

	pt.set(sessions["d"], 5*time.Second) // moved earlier, as a pong never does but a fault may
	assert.Equal(t, "d", pt.due[0].id)
	pt.stop(sessions["c"])
	assert.ElementsMatch(t, []string{"a", "b", "d"}, armed())
	assert.Equal(t, int32(-1), sessions["c"].timerIdx)

	now = 15 * time.Second
	pt.fire()
	assert.Equal(t, []string{"a"}, armed(), "b and d were due")
	assert.Equal(t, 30*time.Second, pt.armed)
	for _, id := range []string{"b", "d"} {
		assert.Equal(t, int32(-1), sessions[id].timerIdx, id)
	}

	pt.stop(sessions["a"])
	assert.Empty(t, pt.due)
	assert.Zero(t, pt.armed, "nothing left to fire for")
}
