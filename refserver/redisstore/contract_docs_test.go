package redisstore

import (
	"encoding/binary"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDocStoreContract(t *testing.T) {
	t.Parallel()
	eachImpl(t, func(t *testing.T, s impl) {
		d := s.docs
		ups, err := d.Updates("note:a")
		require.NoError(t, err)
		assert.Empty(t, ups, "unknown document")
		members, err := d.Members("note:a")
		require.NoError(t, err)
		assert.Empty(t, members)

		want := [][]byte{{0, 1, 2}, {255}, {}, {7, 7}}
		for i, u := range want {
			n, err := d.Append("note:a", u)
			require.NoError(t, err)
			assert.Equal(t, i+1, n, "Append returns the new count")
		}
		ups, err = d.Updates("note:a")
		require.NoError(t, err)
		assert.Equal(t, want, ups)
		ups, err = d.Updates("note:b")
		require.NoError(t, err)
		assert.Empty(t, ups, "documents are apart")

		require.NoError(t, d.AddMember("note:a", "sid-b"))
		require.NoError(t, d.AddMember("note:a", "sid-a"))
		require.NoError(t, d.AddMember("note:a", "sid-c"))
		require.NoError(t, d.AddMember("note:a", "sid-a"))
		members, err = d.Members("note:a")
		require.NoError(t, err)
		assert.Equal(t, []string{"sid-a", "sid-b", "sid-c"}, members, "sorted, once each")
		left, err := d.RemoveMember("note:a", "sid-b")
		require.NoError(t, err)
		assert.Equal(t, 2, left)
		left, err = d.RemoveMember("note:a", "nobody")
		require.NoError(t, err)
		assert.Equal(t, 2, left)
		left, err = d.RemoveMember("note:none", "sid-a")
		require.NoError(t, err)
		assert.Equal(t, 0, left, "unknown document")
	})
}

func TestDocStoreCompact(t *testing.T) {
	t.Parallel()
	eachImpl(t, func(t *testing.T, s impl) {
		d := s.docs
		for _, u := range [][]byte{{1}, {2}, {3}} {
			_, err := d.Append("doc", u)
			require.NoError(t, err)
		}
		read, err := d.Updates("doc")
		require.NoError(t, err)
		for _, u := range [][]byte{{4}, {5}} { // appended after the read
			_, err := d.Append("doc", u)
			require.NoError(t, err)
		}
		require.NoError(t, d.Compact("doc", len(read), []byte{1, 2, 3}))
		ups, err := d.Updates("doc")
		require.NoError(t, err)
		assert.Equal(t, [][]byte{{1, 2, 3}, {4}, {5}}, ups, "later appends kept")

		require.NoError(t, d.Compact("doc", 0, []byte{9}))
		require.NoError(t, d.Compact("doc", 3, []byte{1, 2, 3, 4, 5}))
		ups, err = d.Updates("doc")
		require.NoError(t, err)
		assert.Equal(t, [][]byte{{1, 2, 3, 4, 5}}, ups, "n == 0 is a no-op; n == all leaves one")

		n, err := d.Append("doc", []byte{6})
		require.NoError(t, err)
		assert.Equal(t, 2, n)
	})
}

func TestDocStoreCompactAfterDelete(t *testing.T) {
	t.Parallel()
	eachImpl(t, func(t *testing.T, s impl) {
		d := s.docs
		for _, u := range [][]byte{{1}, {2}} {
			_, err := d.Append("doc", u)
			require.NoError(t, err)
		}
		read, err := d.Updates("doc")
		require.NoError(t, err)
		require.NoError(t, d.Delete("doc")) // the last member left meanwhile (DOC-6)
		require.NoError(t, d.Compact("doc", len(read), []byte{1, 2}))
		ups, err := d.Updates("doc")
		require.NoError(t, err)
		assert.Empty(t, ups, "Compact of a deleted document does nothing")
	})
}

func TestDocStoreDeleteRefusedWithMembers(t *testing.T) {
	t.Parallel()
	eachImpl(t, func(t *testing.T, s impl) {
		d := s.docs
		require.NoError(t, d.AddMember("doc", "sid-1"))
		_, err := d.Append("doc", []byte{1})
		require.NoError(t, err)
		require.NoError(t, d.Delete("doc"))
		ups, err := d.Updates("doc")
		require.NoError(t, err)
		assert.Equal(t, [][]byte{{1}}, ups, "a document with members keeps its updates")

		left, err := d.RemoveMember("doc", "sid-1")
		require.NoError(t, err)
		require.Equal(t, 0, left)
		require.NoError(t, d.Delete("doc"))
		ups, err = d.Updates("doc")
		require.NoError(t, err)
		assert.Empty(t, ups, "deleted once empty")
		n, err := d.Append("doc", []byte{2})
		require.NoError(t, err)
		assert.Equal(t, 1, n, "the next update starts a new document")
	})
}

// TestDocStoreCompactConcurrentAppend compacts while another goroutine
// appends, as two instances do. Each update is a 2-byte counter and a merge
// concatenates, so the updates laid end to end must give every counter
// once, in order.
func TestDocStoreCompactConcurrentAppend(t *testing.T) {
	t.Parallel()
	eachImpl(t, func(t *testing.T, s impl) {
		d := s.docs
		const total = 300
		var wg sync.WaitGroup
		done := make(chan struct{})
		var appendErr error
		wg.Go(func() {
			defer close(done)
			for i := range total {
				if _, err := d.Append("doc", binary.BigEndian.AppendUint16(nil, uint16(i))); err != nil {
					appendErr = err
					return
				}
			}
		})
		compactions := 0
		for running := true; running; {
			select {
			case <-done:
				running = false
			default:
			}
			ups, err := d.Updates("doc")
			require.NoError(t, err)
			if len(ups) < 2 {
				continue
			}
			var merged []byte
			for _, u := range ups {
				merged = append(merged, u...)
			}
			require.NoError(t, d.Compact("doc", len(ups), merged))
			compactions++
		}
		wg.Wait()
		require.NoError(t, appendErr)
		ups, err := d.Updates("doc")
		require.NoError(t, err)
		var all []byte
		for _, u := range ups {
			all = append(all, u...)
		}
		require.Len(t, all, 2*total)
		for i := range total {
			require.Equal(t, uint16(i), binary.BigEndian.Uint16(all[2*i:]), "counter %d", i)
		}
		t.Logf("%d compactions", compactions)
	})
}
