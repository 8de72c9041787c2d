package yjs

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMergeUpdatesAgainstYjs merges the updates of random concurrent
// editing sessions (several Y.Docs editing Y.Text, Y.Map, Y.Array and
// Y.XmlFragment, with deletions, partial syncs, state snapshots and merged
// pieces) and hand-made cases, and checks two things against the yjs npm
// package: the bytes equal Y.mergeUpdates', and a Y.Doc built from our
// merged update alone is the same document as one built from the updates
// (content of every root type, state vector, delete set, pending structs).
func TestMergeUpdatesAgainstYjs(t *testing.T) {
	t.Parallel()
	var special struct{ Cases []fixtureCase }
	require.NoError(t, json.Unmarshal(node(t, nil, "special"), &special))
	cases := special.Cases
	for _, seed := range []string{"1", "2", "3", "4", "5", "6"} {
		cases = append(cases, generate(t, seed, "25")...)
	}
	ours := make([]fixtureCase, len(cases))
	for i, c := range cases {
		got, err := MergeUpdates(c.Updates)
		require.NoError(t, err, c.Name)
		assert.Equal(t, b64(c.Merged), b64(got), "%s: bytes differ from Y.mergeUpdates", c.Name)
		ours[i] = fixtureCase{Name: c.Name, Updates: c.Updates, Merged: got}
	}
	for i, r := range check(t, ours) {
		assert.True(t, r.OK, "%s: %s", r.Name, r.Why)
		assert.Equal(t, cases[i].Content, r.Content, "%s: content of the merged update", r.Name)
	}
}
