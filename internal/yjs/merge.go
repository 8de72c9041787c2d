package yjs

import (
	"fmt"
	"slices"
	"sort"
)

// EmptyUpdate is the update of an empty document: no structs, no deletes.
// Do not modify it.
var EmptyUpdate = []byte{0, 0}

// MergeUpdates returns one update equivalent to applying all of updates, in
// any order, as Y.mergeUpdates does: the structs ordered by client and
// clock, what several updates hold once, overlaps cut, GC ranges joined,
// gaps marked with Skip structs, and the delete sets merged. No updates
// give EmptyUpdate; one update is returned as is (a copy) once it is known
// to be well-formed. The error wraps ErrMalformed and names the update that
// could not be read.
func MergeUpdates(updates [][]byte) ([]byte, error) {
	parsed := make([]update, len(updates))
	var a arena
	for i, u := range updates {
		p, err := parse(u, &a)
		if err != nil {
			return nil, fmt.Errorf("update %d of %d: %w", i, len(updates), err)
		}
		parsed[i] = p
	}
	switch len(updates) {
	case 0:
		return slices.Clone(EmptyUpdate), nil
	case 1:
		return slices.Clone(updates[0]), nil
	}
	var w structWriter
	mergeStructs(&w, parsed)
	out := w.finish(make([]byte, 0, len(w.body)+16))
	return appendDeleteSet(out, a.ds), nil
}

// cursor walks the structs of one update.
type cursor struct {
	blocks []block
	i      int
}

func (c *cursor) cur() *block {
	if c.i < len(c.blocks) {
		return &c.blocks[c.i]
	}
	return nil
}

func (c *cursor) next() *block {
	c.i++
	return c.cur()
}

// before orders cursors by their current struct: higher clients first,
// then lower clocks. At the same position an item goes before a GC: Yjs's
// comparator is inconsistent there, so its choice depends on V8's sort;
// either choice gives the same content, and the item keeps more of it.
func before(a, b *cursor) bool {
	x, y := a.cur(), b.cur()
	if x.client != y.client {
		return x.client > y.client
	}
	if x.clock != y.clock {
		return x.clock < y.clock
	}
	return x.kind == kindItem && y.kind != kindItem
}

// mergeStructs is the struct half of mergeUpdatesV2 (updates.js). It keeps
// one pending struct, pend, and repeatedly takes the cursor whose current
// struct comes first: a struct pend already covers is passed over, one that
// overlaps it is cut to what is new, a GC range that continues a GC range
// joins it, and a gap before the next struct of the same client is written
// as a Skip.
func mergeStructs(w *structWriter, updates []update) {
	all := make([]cursor, len(updates))
	cursors := make([]*cursor, 0, len(updates))
	for i, u := range updates {
		if len(u.blocks) > 0 {
			all[i].blocks = u.blocks
			cursors = append(cursors, &all[i])
		}
	}
	// Yjs filters and stably re-sorts all cursors on every round; only the
	// first one moves in a round, so putting it back in place is the same.
	sort.SliceStable(cursors, func(i, j int) bool { return before(cursors[i], cursors[j]) })
	var pend block
	pending := false
	for len(cursors) > 0 {
		c := cursors[0]
		first := c.cur().client
		if !pending {
			pend, pending = *c.cur(), true
			c.next()
		} else if !mergeNext(w, &pend, c, first) {
			cursors = resort(cursors)
			continue
		}
		for n := c.cur(); n != nil && n.client == first && n.clock == pend.end(); n = c.next() {
			w.write(&pend)
			pend = *n
		}
		cursors = resort(cursors)
	}
	if pending {
		w.write(&pend)
	}
}

// mergeNext handles the current struct of c against pend, for a round that
// goes on to take the structs of c that continue pend; false ends the round
// early (Yjs's `continue`).
func mergeNext(w *structWriter, pend *block, c *cursor, first uint64) bool {
	curr := c.cur()
	passed := false
	for curr != nil && curr.end() <= pend.end() && curr.client >= pend.client {
		curr = c.next()
		passed = true
	}
	if curr == nil || curr.client != first || (passed && curr.clock > pend.end()) {
		return false
	}
	switch {
	case first != pend.client:
		w.write(pend)
		*pend = *curr
		c.next()
	case pend.end() < curr.clock:
		// A gap: write pend and a Skip up to curr, which the caller's loop
		// then takes (so pend is never a Skip at the start of a round).
		w.write(pend)
		*pend = block{kind: kindSkip, client: first, clock: pend.end(), length: curr.clock - pend.end()}
	default:
		next := *curr
		if diff := pend.end() - curr.clock; diff > 0 {
			next = curr.sliced(diff)
		}
		if !pend.mergeWith(&next) {
			w.write(pend)
			*pend = next
			c.next()
		}
	}
	return true
}

// resort drops the first cursor when it is exhausted, or moves it to where
// a stable sort puts it: before every cursor it does not come after.
func resort(cursors []*cursor) []*cursor {
	c := cursors[0]
	if c.cur() == nil {
		return cursors[1:]
	}
	rest := cursors[1:]
	j := sort.Search(len(rest), func(k int) bool { return !before(rest[k], c) })
	copy(cursors, rest[:j])
	cursors[j] = c
	return cursors
}
