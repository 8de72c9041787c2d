package redistest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A private server answers, is gone after Stop, and answers again after
// Restart, on the same URL.
func TestPrivateServer(t *testing.T) {
	s := Start(t)
	c := Client(t, s.URL())
	ping := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return c.Ping(ctx).Err()
	}
	require.NoError(t, ping())
	s.Stop()
	assert.Error(t, ping())
	s.Restart()
	require.Eventually(t, func() bool { return ping() == nil }, 5*time.Second, 20*time.Millisecond)
}

func TestName(t *testing.T) {
	a, b := Name("p-"), Name("p-")
	assert.NotEqual(t, a, b)
	assert.Regexp(t, `^p-[0-9a-f]{12}$`, a)
}
