package yjs

import (
	"bytes"
	"testing"
)

// FuzzMergeUpdates feeds arbitrary bytes, cut into up to three updates by
// the first byte. Merging must never panic; when it succeeds the result
// must be a well-formed update that merging again leaves as it is.
func FuzzMergeUpdates(f *testing.F) {
	for _, s := range []string{realPiece, realWhole, realMapSet, realMapOver} {
		f.Add(append([]byte{0}, unhex(f, s)...))
	}
	f.Add(append(append([]byte{0x31}, unhex(f, realPiece)...), unhex(f, realWhole)...))
	f.Add(append(append([]byte{0x21}, unhex(f, realMapSet)...), unhex(f, realMapOver)...))
	f.Add([]byte{0x07, 1, 1, 9, 0, 0, 3, 0, 1, 1, 9, 5, 0, 1, 0})
	f.Add([]byte{0x00, 0, 1, 9, 1, 0, 2})
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		updates := split(in[1:], int(in[0]&0x0f), int(in[0]>>4))
		got, err := MergeUpdates(updates)
		if err != nil {
			return
		}
		if err := Validate(got); err != nil {
			t.Fatalf("merged update does not read back: %v", err)
		}
		again, err := MergeUpdates([][]byte{got, EmptyUpdate})
		if err != nil {
			t.Fatalf("merged update does not merge: %v", err)
		}
		if len(updates) > 1 && !bytes.Equal(again, got) {
			t.Fatalf("merging a merged update with nothing changed it:\n%x\n%x", got, again)
		}
	})
}

// split cuts b at two offsets (taken modulo its length) into one to three
// updates.
func split(b []byte, i, j int) [][]byte {
	if len(b) == 0 {
		return [][]byte{b}
	}
	i, j = i%len(b), j%len(b)
	if i > j {
		i, j = j, i
	}
	var out [][]byte
	for _, p := range [][]byte{b[:i], b[i:j], b[j:]} {
		if len(p) > 0 {
			out = append(out, p)
		}
	}
	return out
}
