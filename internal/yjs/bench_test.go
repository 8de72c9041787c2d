package yjs

import "testing"

// textUpdate is one typing update as Yjs writes it: client inserts s into
// root text "text" right after its previous character (clock-1), or at the
// start when clock is 0, and deletes the range in del if it is not empty.
func textUpdate(client, clock uint64, s string, del deleteRange) []byte {
	b := appendUint(appendUint([]byte{1, 1}, client), clock)
	if clock == 0 {
		b = appendString(append(b, refString, 1), []byte("text"))
	} else {
		b = appendUint(appendUint(append(b, refString|bitOrigin), client), clock-1)
	}
	b = appendString(b, []byte(s))
	if del.length == 0 {
		return append(b, 0)
	}
	b = appendUint(append(b, 1), del.client)
	return appendUint(appendUint(append(b, 1), del.clock), del.length)
}

// typing is n updates of five clients typing in turn, one character each,
// every tenth update also deleting a character of the previous client.
func typing(n int) [][]byte {
	updates := make([][]byte, n)
	for i := range updates {
		client, clock := uint64(1+i%5), uint64(i/5)
		var del deleteRange
		if i%10 == 9 {
			del = deleteRange{client: 1 + uint64(i-1)%5, clock: clock / 2, length: 1}
		}
		updates[i] = textUpdate(client, clock, "x", del)
	}
	return updates
}

// BenchmarkMergeUpdates500 is DOC-5's compaction: 500 small updates into
// one.
func BenchmarkMergeUpdates500(b *testing.B) {
	updates := typing(500)
	size := 0
	for _, u := range updates {
		size += len(u)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MergeUpdates(updates); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMergeUpdatesStatePlusOne is a joiner's state after compaction:
// the compacted update and one more.
func BenchmarkMergeUpdatesStatePlusOne(b *testing.B) {
	state, err := MergeUpdates(typing(500))
	if err != nil {
		b.Fatal(err)
	}
	updates := [][]byte{state, textUpdate(1, 100, "y", deleteRange{})}
	b.SetBytes(int64(len(state)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MergeUpdates(updates); err != nil {
			b.Fatal(err)
		}
	}
}

func TestTypingUpdatesAreValid(t *testing.T) {
	t.Parallel()
	for _, u := range typing(20) {
		if err := Validate(u); err != nil {
			t.Fatal(err)
		}
	}
}
