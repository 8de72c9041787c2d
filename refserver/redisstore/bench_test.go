package redisstore

import (
	"fmt"
	"testing"
)

// The benchmarks measure one call against the local Redis: mostly the round
// trip, plus encoding and, for Mark, the script's decode and re-encode.

func BenchmarkSessionPoolSet(b *testing.B) {
	st, _ := testStores(b)
	e := entry("u1", 1700000000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := st.Sessions.Set(fmt.Sprintf("sid-%d", i%1000), e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSessionPoolGet(b *testing.B) {
	st, _ := testStores(b)
	for i := range 1000 {
		if err := st.Sessions.Set(fmt.Sprintf("sid-%d", i), entry("u1", 1700000000)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, ok, err := st.Sessions.Get(fmt.Sprintf("sid-%d", i%1000)); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkUsageMark marks 50 sids in turn on one model, the size of a
// busy model's value.
func BenchmarkUsageMark(b *testing.B) {
	st, _ := testStores(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := st.Usage.Mark("llama3", fmt.Sprintf("sid-%d", i%50), int64(1700000000+i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDocStoreAppend appends a 64-byte update, a typical keystroke's.
func BenchmarkDocStoreAppend(b *testing.B) {
	st, _ := testStores(b)
	update := make([]byte, 64)
	for i := range update {
		update[i] = byte(i * 7)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.Docs.Append("note:bench", update); err != nil {
			b.Fatal(err)
		}
	}
}
