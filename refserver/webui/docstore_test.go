package webui

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemoryDocStore(t *testing.T) {
	t.Parallel()
	m := NewMemoryDocStore()
	ups, err := m.Updates("d")
	require.NoError(t, err)
	assert.Empty(t, ups, "an unknown document has no updates")

	u := []byte{1, 2}
	for i := 1; i <= 3; i++ {
		n, err := m.Append("d", u)
		require.NoError(t, err)
		assert.Equal(t, i, n)
	}
	u[0] = 9
	ups, _ = m.Updates("d")
	assert.Equal(t, [][]byte{{1, 2}, {1, 2}, {1, 2}}, ups, "Append keeps a copy")

	// DOC-5: compaction keeps what was appended after the updates it read.
	_, _ = m.Append("d", []byte{4})
	require.NoError(t, m.Compact("d", 3, []byte{7}))
	ups, _ = m.Updates("d")
	assert.Equal(t, [][]byte{{7}, {4}}, ups)
	require.NoError(t, m.Compact("d", 5, []byte{8}))
	ups, _ = m.Updates("d")
	assert.Equal(t, [][]byte{{7}, {4}}, ups, "fewer stored than read: the document changed, nothing done")

	// DOC-6: members, and deletion only without members.
	require.NoError(t, m.AddMember("d", "s2"))
	require.NoError(t, m.AddMember("d", "s1"))
	require.NoError(t, m.AddMember("d", "s1"))
	members, _ := m.Members("d")
	assert.Equal(t, []string{"s1", "s2"}, members)
	n, _ := m.RemoveMember("d", "s1")
	assert.Equal(t, 1, n)
	require.NoError(t, m.Delete("d"))
	ups, _ = m.Updates("d")
	assert.Len(t, ups, 2, "a document with members keeps its updates")
	n, _ = m.RemoveMember("d", "s2")
	assert.Zero(t, n)
	require.NoError(t, m.Delete("d"))
	ups, _ = m.Updates("d")
	assert.Empty(t, ups)
	n, _ = m.RemoveMember("nothing", "s")
	assert.Zero(t, n)
	members, _ = m.Members("nothing")
	assert.Empty(t, members)
	assert.Empty(t, m.docs, "nothing is kept for documents without updates or members")
}

func TestMemoryDocStoreConcurrent(t *testing.T) {
	t.Parallel()
	m := NewMemoryDocStore()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			sid := fmt.Sprint("s", w)
			for i := range 100 {
				_ = m.AddMember("d", sid)
				_, _ = m.Append("d", []byte{byte(i)})
				if i%25 == 24 {
					ups, _ := m.Updates("d")
					_ = m.Compact("d", len(ups), []byte{0})
				}
				_, _ = m.Members("d")
			}
		})
	}
	wg.Wait()
	members, _ := m.Members("d")
	assert.Len(t, members, 8)
	ups, _ := m.Updates("d")
	assert.NotEmpty(t, ups)
}
