package webui_test

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// upFox64 is a real Yjs update of 64 bytes (testdata/node's yjs: a Y.Doc
// with client id 4242 inserting "the quick brown fox jumps over the lazy
// dog, 64" into the text "content"), the size of a few keystrokes' update
// with its header. Sent again and again it stays a valid document: Yjs
// updates are idempotent.
var upFox64 = mustHex("0101922100040107636f6e74656e742f74686520717569636b2062726f776e20666f78" +
	"206a756d7073206f76657220746865206c617a7920646f672c20363400")

// BenchmarkDocUpdateRelay50 is the document relay (DOC-2) for a note open
// in 50 tabs of 50 distinct users (u000002 …): an op is one member's update
// as an int array, the members taking turns, and ends when the 49 others
// have received it. The server parses the int array, stores the update and
// relays it as an int array to the room but the sender.
func BenchmarkDocUpdateRelay50(b *testing.B) {
	const members = 50
	const doc = "note:n0001" // every user reads and writes it
	env := newDocEnv(b, "", func(c *refserver.Config) {
		c.Population = webui.Generate(webui.Sizes{Users: members + 1, Channels: 1, Notes: 1})
	})
	tabs := make([]*tab, members)
	for i := range tabs {
		tabs[i] = env.connect(b, webui.UserID(i+2))
	}
	joinAll(b, doc, tabs...)

	var delivered, target atomic.Int64
	done := make(chan struct{}, 1)
	for _, tb := range tabs {
		tb.sock.OnAny(nil) // from here on the tabs count updates instead of recording events
		tb.sock.On("ydoc:document:update", func(client.Event) {
			if delivered.Add(1) == target.Load() {
				done <- struct{}{}
			}
		})
	}
	// Encoded once, so that the op measures the relay, not the client's JSON.
	payload, err := json.Marshal(map[string]any{"document_id": doc, "update": intsOf(upFox64)})
	if err != nil {
		b.Fatal(err)
	}

	ctx := context.Background()
	timeout := time.NewTimer(time.Minute)
	defer timeout.Stop()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		sender := tabs[n%members]
		n++
		target.Store(int64(n * (members - 1)))
		if err := sender.sock.Emit(ctx, "ydoc:document:update", json.RawMessage(payload)); err != nil {
			b.Fatal(err)
		}
		select {
		case <-done:
		case <-timeout.C:
			b.Fatalf("op %d: %d of %d deliveries", n, delivered.Load()-int64((n-1)*(members-1)), members-1)
		}
	}
	b.ReportMetric(float64(n*(members-1))/b.Elapsed().Seconds(), "deliveries/s")

	// Each tab's round trip brings in anything still on its way: nothing
	// may have come back to a sender or twice (DOC-2).
	for _, tb := range tabs {
		tb.sync(b)
	}
	if got, want := delivered.Load(), int64(n*(members-1)); got != want {
		b.Fatalf("%d deliveries after %d updates, want %d", got, n, want)
	}
}
