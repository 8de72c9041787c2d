package deep

import (
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Run returns the handler's result, jobs of one caller run in order, and
// concurrent callers each get their own result.
func TestRun(t *testing.T) {
	boom := errors.New("boom")
	r := New(func(n int) error {
		if n < 0 {
			return boom
		}
		return nil
	})
	assert.NoError(t, r.Run(1))
	assert.ErrorIs(t, r.Run(-1), boom)

	var mu sync.Mutex
	var order []int
	seq := New(func(n int) error { mu.Lock(); order = append(order, n); mu.Unlock(); return nil })
	for i := range 100 {
		require.NoError(t, seq.Run(i))
	}
	for i, n := range order {
		require.Equal(t, i, n)
	}

	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			want := error(nil)
			if i%2 == 1 {
				want = boom
			}
			for range 100 {
				if err := r.Run(-(i % 2)); !errors.Is(err, want) && err != want {
					t.Errorf("caller %d: got %v, want %v", i, err, want)
				}
			}
		})
	}
	wg.Wait()
}

// The handler runs on another goroutine, so its stack is not the caller's,
// and idle workers exit.
func TestWorkersExit(t *testing.T) {
	before := runtime.NumGoroutine()
	r := New(func(ch chan int) error { ch <- 1; return nil })
	ch := make(chan int, 1)
	require.NoError(t, r.Run(ch))
	assert.Equal(t, 1, <-ch)
	require.Eventually(t, func() bool { return runtime.NumGoroutine() <= before }, 2*time.Second, 10*time.Millisecond)
}
