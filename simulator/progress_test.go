package simulator

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProgressLine(t *testing.T) {
	t.Parallel()
	p := Progress{Elapsed: 12*time.Second + 400*time.Millisecond, Clients: 1500, Connects: 250, MessagesIn: 5000, MessagesOut: 4999, AckP99: 3240 * time.Microsecond, Errors: 2}
	assert.Equal(t, "  12s  clients 1500  connects/s 250  msgs/s in 5000 out 4999  ack p99 3.2ms  errors 2", p.String())
	assert.Contains(t, Progress{}.String(), "ack p99 -  ")
	assert.Contains(t, Progress{AckP99: 800 * time.Microsecond}.String(), "ack p99 800µs")

	var b bytes.Buffer
	ProgressText(&b)(p)
	assert.Equal(t, p.String()+"\n", b.String())
}

func TestProgressJSONRoundTrips(t *testing.T) {
	t.Parallel()
	p := Progress{Elapsed: 3 * time.Second, Clients: 7, Connects: 2, MessagesIn: 3, MessagesOut: 4, AckP99: time.Millisecond, Errors: 1}
	var b bytes.Buffer
	ProgressJSON(&b)(p)
	require.True(t, strings.HasPrefix(b.String(), progressPrefix))
	got, ok := ParseProgress(b.String())
	require.True(t, ok)
	assert.Equal(t, p, got)
	for _, line := range []string{"level=WARN msg=x", progressPrefix + "{not json", ""} {
		_, ok := ParseProgress(line)
		assert.False(t, ok, line)
	}
}

func TestSumProgress(t *testing.T) {
	t.Parallel()
	sum := sumProgress([]Progress{
		{Elapsed: time.Second, Clients: 1, Connects: 2, MessagesIn: 3, MessagesOut: 4, AckP99: 5 * time.Millisecond, Errors: 6},
		{Elapsed: 2 * time.Second, Clients: 10, Connects: 20, MessagesIn: 30, MessagesOut: 40, AckP99: 2 * time.Millisecond, Errors: 60},
	})
	assert.Equal(t, Progress{Elapsed: 2 * time.Second, Clients: 11, Connects: 22, MessagesIn: 33, MessagesOut: 44, AckP99: 5 * time.Millisecond, Errors: 66}, sum)
}
