package procstat

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

// On Linux the resident set is known and grows when memory is touched.
func TestRSS(t *testing.T) {
	before, ok := RSS()
	if runtime.GOOS != "linux" {
		assert.False(t, ok)
		return
	}
	assert.True(t, ok)
	assert.Positive(t, before)
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = 1
	}
	after, _ := RSS()
	runtime.KeepAlive(buf)
	assert.Greater(t, after, before+32<<20, "64 MiB touched")
}
