package metrics

import (
	"fmt"
	"testing"
	"time"

	"github.com/stampede-sio/stampede/internal/threshold"
)

func BenchmarkTimerRecord(b *testing.B) {
	tm := New(Config{}).Timer(threshold.MetricAck, threshold.TagEvent, "chat")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		tm.Record(time.Duration(i&0xffff) * time.Microsecond)
	}
}

// Every goroutine on one timer, recording back to back: the virtual
// clients' hot path at its worst, for several shard counts.
func BenchmarkTimerRecordParallel(b *testing.B) {
	for _, shards := range []int{0, 1, 2, 4, 8, 32} {
		name := fmt.Sprintf("shards=%d", shards)
		if shards == 0 {
			name = "shards=default"
		}
		b.Run(name, func(b *testing.B) {
			tm := New(Config{Shards: shards}).Timer(threshold.MetricAck, threshold.TagEvent, "chat")
			b.ReportAllocs()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					tm.Record(time.Duration(i&0xffff) * time.Microsecond)
				}
			})
		})
	}
}

func BenchmarkCounterAdd(b *testing.B) {
	c := New(Config{}).Counter(threshold.MetricMessagesSent, threshold.TagEvent, "chat")
	b.ReportAllocs()
	for b.Loop() {
		c.Add(1)
	}
}

func BenchmarkCounterAddParallel(b *testing.B) {
	c := New(Config{}).Counter(threshold.MetricMessagesSent, threshold.TagEvent, "chat")
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Add(1)
		}
	})
}

// A Snapshot of a recorder with the timers of a typical run.
func BenchmarkSnapshot(b *testing.B) {
	r := New(Config{})
	var timers []*Timer
	for _, m := range []string{threshold.MetricConnectTCP, threshold.MetricHandshake, threshold.MetricSIOConnect, threshold.MetricUserJoin, threshold.MetricLag} {
		timers = append(timers, r.Timer(m))
	}
	for _, e := range []string{"chat", "typing", "user-join", "heartbeat"} {
		timers = append(timers, r.Timer(threshold.MetricAck, threshold.TagEvent, e), r.Timer(threshold.MetricPush, threshold.TagEvent, e))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		for _, t := range timers {
			for j := range 100 {
				t.Record(time.Duration(i+j) * time.Millisecond)
			}
		}
		r.Snapshot()
	}
}
