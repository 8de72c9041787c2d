package app

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/yjs"
)

// The document cases' updates are valid Yjs updates that merge, as DOC-1's
// state and DOC-5's compaction need; the empty document is [0,0].
func TestYjsUpdate(t *testing.T) {
	t.Parallel()
	var updates [][]byte
	for _, client := range []uint64{1, 127, 128, 1 << 20, 1<<30 + 7} {
		u := yjsUpdate(client, "héllo")
		require.NoError(t, yjs.Validate(u), "client %d", client)
		updates = append(updates, u)
	}
	merged, err := yjs.MergeUpdates(updates)
	require.NoError(t, err)
	assert.NotEqual(t, ints(yjs.EmptyUpdate), ints(merged))
	assert.Equal(t, emptyState, ints(yjs.EmptyUpdate))
}
