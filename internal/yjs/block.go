package yjs

import "unicode/utf8"

// id names one clock position of one client.
type id struct{ client, clock uint64 }

type blockKind uint8

const (
	kindItem blockKind = iota
	kindGC
	kindSkip
)

// Item flags: which of the optional fields are set.
const (
	hasOrigin = 1 << iota
	hasRight
	parentIsKey
	parentIsID
	hasParentSub
)

// block is one struct of an update: a run of `length` clock positions of a
// client starting at clock. Items carry their origins, parent and content;
// GC and Skip only their range.
type block struct {
	client, clock, length uint64
	kind                  blockKind
	flags                 uint8
	origin, rightOrigin   id
	parentID              id
	parentKey, parentSub  []byte
	content               content
}

// content is an item's content. Deleted content is only its length. String
// content is its UTF-8 text in raw. JSON and Any content is its encoded
// elements. Every other kind is never split or merged and is kept in raw
// exactly as read (after the parent fields), to be written back as is.
type content struct {
	ref   byte
	raw   []byte
	elems [][]byte
}

func (b *block) end() uint64 { return b.clock + b.length }

// mergeWith appends right to b when Y.mergeUpdates would: only GC ranges
// (and Skips) join. Items never do there (Item.mergeWith needs the items
// linked in a document, which a lazily read update's are not), so the
// merged update keeps every item as it came.
func (b *block) mergeWith(right *block) bool {
	if b.kind == kindItem || b.kind != right.kind || b.client != right.client || b.end() != right.clock {
		return false
	}
	b.length += right.length
	return true
}

// sliced returns the part of b from diff on (sliceStruct in updates.js): an
// item's right part has its left neighbour as origin. The merge only cuts a
// struct that reaches past the pending one, so 0 < diff < b.length: content
// of length 1 (Binary, Embed, Format, Type, Doc) is never cut.
func (b *block) sliced(diff uint64) block {
	r := *b
	r.clock += diff
	r.length -= diff
	if b.kind != kindItem {
		return r
	}
	r.origin = id{b.client, b.clock + diff - 1}
	r.flags |= hasOrigin
	switch b.content.ref {
	case refString:
		r.content.raw = splitUTF16(b.content.raw, diff)
	case refJSON, refAny:
		r.content.elems = b.content.elems[diff:len(b.content.elems):len(b.content.elems)]
	}
	return r
}

// utf16Len is the length of valid UTF-8 text in UTF-16 code units, which
// is what Yjs counts: every rune is one unit but those beyond the BMP (four
// UTF-8 bytes), which are two.
func utf16Len(s []byte) uint64 {
	var n uint64
	for _, c := range s {
		if c&0xc0 != 0x80 { // not a continuation byte
			n++
		}
		if c >= 0xf0 {
			n++
		}
	}
	return n
}

// replacement is U+FFFD in UTF-8.
const replacement = "\uFFFD"

// splitUTF16 returns the text after the first k UTF-16 units of valid UTF-8
// text s. When k falls inside a surrogate pair, Yjs (ContentString.splice)
// replaces each half with U+FFFD, so the right part starts with U+FFFD.
func splitUTF16(s []byte, k uint64) []byte {
	var units uint64
	for i := 0; i < len(s); {
		if units == k {
			return s[i:len(s):len(s)]
		}
		r, size := utf8.DecodeRune(s[i:])
		i += size
		if r >= 0x10000 {
			units += 2
			if units == k+1 { // k splits this pair
				return append([]byte(replacement), s[i:]...)
			}
		} else {
			units++
		}
	}
	return s[len(s):]
}
