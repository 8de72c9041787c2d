package yjs_test

import (
	"fmt"

	"github.com/stampede-sio/stampede/internal/yjs"
)

// Two updates of client 9, each a GC range, and one delete set: merged into
// one update where the ranges are joined.
func ExampleMergeUpdates() {
	a := []byte{1, 1, 9, 0, 0, 3, 0}             // client 9, clock 0: GC of length 3; no deletes
	b := []byte{1, 1, 9, 3, 0, 4, 1, 9, 1, 0, 2} // client 9, clock 3: GC of length 4; deletes [0,2)
	merged, err := yjs.MergeUpdates([][]byte{b, a})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(merged)
	fmt.Println(yjs.MergeUpdates(nil))
	_, err = yjs.MergeUpdates([][]byte{a, {1, 1}})
	fmt.Println(err)
	// Output:
	// [1 1 9 0 0 7 1 9 1 0 2]
	// [0 0] <nil>
	// update 1 of 2: yjs: malformed update: unexpected end at byte 2
}
