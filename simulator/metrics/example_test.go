package metrics_test

import (
	"fmt"
	"time"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/reports"
	"github.com/stampede-sio/stampede/simulator/metrics"
)

func Example() {
	rec := metrics.New(metrics.Config{})

	// Resolve handles once per virtual client (or per flow step) ...
	ack := rec.Timer(threshold.MetricAck, threshold.TagEvent, "chat")
	sent := rec.Counter(threshold.MetricMessagesSent, threshold.TagEvent, "chat")

	// ... and record on the hot path, measuring from the intended send time.
	intended := time.Now().Add(-3 * time.Millisecond)
	sent.Inc()
	ack.Record(time.Since(intended))

	// Once a second: one point of the series.
	p := rec.Snapshot().Point()
	fmt.Println("messages out:", p.MessagesOut)

	// At the end: the record that reports renders and thresholds check.
	run := &reports.Run{Schema: reports.RunSchema, Scenario: "example"}
	if err := rec.Export(run); err != nil {
		panic(err)
	}
	results, ok := reports.Evaluate(run, []string{"ack_p99{event:chat} < 1s", "messages_sent == 1"})
	fmt.Println(results[0].OK, results[1].OK, ok)
	// Output:
	// messages out: 1
	// true true true
}
