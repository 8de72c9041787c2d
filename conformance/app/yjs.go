package app

// Yjs updates for the document cases: the smallest valid v1 update, one
// client inserting a string into the root text "text". A relay that merges
// updates (DOC-1's state, DOC-5's compaction) needs valid ones.

// yjsUpdate is client's first insert of s into the root text "text".
func yjsUpdate(client uint64, s string) []byte {
	b := appendVarUint([]byte{1, 1}, client) // one client, one struct
	b = append(b, 0)                         // clock 0
	b = append(b, 4, 1)                      // ContentString, no origins; parent is a root type by name
	b = appendVarString(b, "text")
	b = appendVarString(b, s)
	return append(b, 0) // empty delete set
}

func appendVarUint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendVarString(b []byte, s string) []byte {
	return append(appendVarUint(b, uint64(len(s))), s...)
}

// ints is b as the JSON int array open-webui sends.
func ints(b []byte) []int {
	out := make([]int, len(b))
	for i, c := range b {
		out[i] = int(c)
	}
	return out
}

// emptyState is the state of an empty document, [0,0].
var emptyState = []int{0, 0}
