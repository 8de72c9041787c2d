package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The handle's contract: Connected frees the slot (again: harmless),
// Detach hands over finished once, and a nil handle or one without
// finished neither frees nor detaches.
func TestStartHandle(t *testing.T) {
	t.Parallel()
	released, finished := 0, 0
	s := NewStart(7, time.Unix(1, 0), func() { released++ }, func() { finished++ })
	assert.Equal(t, 7, s.Index)
	s.Connected()
	assert.Equal(t, 1, released)
	assert.False(t, s.Detached())
	f := s.Detach()
	if assert.NotNil(t, f) {
		f()
	}
	assert.Equal(t, 1, finished)
	assert.True(t, s.Detached())
	assert.Nil(t, s.Detach(), "detached already")

	fixed := NewStart(1, time.Time{}, nil, nil)
	fixed.Connected() // no slot: nothing to free
	assert.Nil(t, fixed.Detach(), "the executor does not allow it")
	assert.False(t, fixed.Detached())

	var none *Start
	none.Connected()
	assert.Nil(t, none.Detach())
	assert.False(t, none.Detached())
}
