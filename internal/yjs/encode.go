package yjs

import (
	"cmp"
	"slices"
)

func appendUint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendString(b, s []byte) []byte {
	return append(appendUint(b, uint64(len(s))), s...)
}

// appendBlock writes one struct the way Yjs writes it (Item.write,
// GC.write, Skip.write with offset 0).
func appendBlock(out []byte, b *block) []byte {
	switch b.kind {
	case kindGC:
		return appendUint(append(out, 0), b.length)
	case kindSkip:
		return appendUint(append(out, refSkip), b.length)
	}
	info := b.content.ref
	if b.flags&hasOrigin != 0 {
		info |= bitOrigin
	}
	if b.flags&hasRight != 0 {
		info |= bitRight
	}
	if b.flags&hasParentSub != 0 {
		info |= bitParentSub
	}
	out = append(out, info)
	if b.flags&hasOrigin != 0 {
		out = appendUint(appendUint(out, b.origin.client), b.origin.clock)
	}
	if b.flags&hasRight != 0 {
		out = appendUint(appendUint(out, b.rightOrigin.client), b.rightOrigin.clock)
	}
	if b.flags&(hasOrigin|hasRight) == 0 {
		if b.flags&parentIsKey != 0 {
			out = appendString(append(out, 1), b.parentKey)
		} else {
			out = appendUint(appendUint(append(out, 0), b.parentID.client), b.parentID.clock)
		}
		if b.flags&hasParentSub != 0 {
			out = appendString(out, b.parentSub)
		}
	}
	switch b.content.ref {
	case refDeleted:
		return appendUint(out, b.length)
	case refString:
		return appendString(out, b.content.raw)
	case refJSON, refAny:
		out = appendUint(out, uint64(len(b.content.elems)))
		for _, e := range b.content.elems {
			out = append(out, e...)
		}
		return out
	}
	return append(out, b.content.raw...)
}

// structWriter groups written structs by client as Yjs's LazyStructWriter
// does: a new group starts whenever the client changes.
type structWriter struct {
	body   []byte
	groups []structGroup
	cur    *structGroup
}

type structGroup struct {
	client     uint64
	start, end int
	count      uint64
}

func (w *structWriter) write(b *block) {
	if w.cur != nil && w.cur.client != b.client {
		w.cur = nil
	}
	if w.cur == nil {
		w.groups = append(w.groups, structGroup{client: b.client, start: len(w.body)})
		w.cur = &w.groups[len(w.groups)-1]
		w.body = appendUint(appendUint(w.body, b.client), b.clock)
	}
	w.body = appendBlock(w.body, b)
	w.cur.end = len(w.body)
	w.cur.count++
}

// finish returns the struct section: the number of groups, then each
// group's struct count, client, first clock and structs.
func (w *structWriter) finish(out []byte) []byte {
	out = appendUint(out, uint64(len(w.groups)))
	for _, g := range w.groups {
		out = appendUint(out, g.count)
		out = append(out, w.body[g.start:g.end]...)
	}
	return out
}

// appendDeleteSet merges delete sets (mergeDeleteSets in DeleteSet.js):
// all holds the ranges of every update in order; per client they are
// sorted by clock, overlapping and adjacent ranges joined, and clients
// written highest first. all is sorted in place.
func appendDeleteSet(out []byte, all []deleteRange) []byte {
	// Stable, so that ranges of one client keep the order Yjs sees them in
	// (the result does not depend on it, but the intermediate steps do).
	slices.SortStableFunc(all, func(a, b deleteRange) int {
		if c := cmp.Compare(b.client, a.client); c != 0 {
			return c
		}
		return cmp.Compare(a.clock, b.clock)
	})
	var merged []deleteRange
	for _, d := range all {
		if n := len(merged); n > 0 && merged[n-1].client == d.client && merged[n-1].clock+merged[n-1].length >= d.clock {
			last := &merged[n-1]
			last.length = max(last.length, d.clock+d.length-last.clock)
			continue
		}
		merged = append(merged, d)
	}
	clients := 0
	for i, d := range merged {
		if i == 0 || merged[i-1].client != d.client {
			clients++
		}
	}
	out = appendUint(out, uint64(clients))
	for i := 0; i < len(merged); {
		j := i
		for j < len(merged) && merged[j].client == merged[i].client {
			j++
		}
		out = appendUint(appendUint(out, merged[i].client), uint64(j-i))
		for _, d := range merged[i:j] {
			out = appendUint(appendUint(out, d.clock), d.length)
		}
		i = j
	}
	return out
}
