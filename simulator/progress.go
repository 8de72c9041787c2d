package simulator

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/reports"
)

// Progress is one second of a run as the live progress line shows it.
type Progress struct {
	Elapsed     time.Duration `json:"elapsed_ns"`
	Clients     int64         `json:"clients"`      // connected now
	Connects    int64         `json:"connects"`     // connections established in the last second
	MessagesIn  int64         `json:"messages_in"`  // events received in the last second
	MessagesOut int64         `json:"messages_out"` // events sent in the last second
	AckP99      time.Duration `json:"ack_p99_ns"`   // over every ack since the start
	Errors      int64         `json:"errors"`       // since the start
}

// ProgressFunc receives a run's progress once a second.
type ProgressFunc func(Progress)

// progressOf is the progress at a point of the series.
func progressOf(p reports.Point, elapsed time.Duration, errors int64) Progress {
	return Progress{
		Elapsed: elapsed, Clients: p.Clients, Connects: p.Connects,
		MessagesIn: p.MessagesIn, MessagesOut: p.MessagesOut,
		AckP99: time.Duration(p.AckP99 * float64(time.Millisecond)), Errors: errors,
	}
}

// String is the live progress line:
//
//	12s  clients 1500  connects/s 250  msgs/s in 5000 out 5000  ack p99 3.2ms  errors 0
func (p Progress) String() string {
	ack := "-"
	if p.AckP99 > 0 {
		ack = formatLatency(p.AckP99)
	}
	return fmt.Sprintf("%4ds  clients %d  connects/s %d  msgs/s in %d out %d  ack p99 %s  errors %d",
		int64(p.Elapsed.Round(time.Second)/time.Second), p.Clients, p.Connects, p.MessagesIn, p.MessagesOut, ack, p.Errors)
}

func formatLatency(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%dµs", d/time.Microsecond)
	}
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

// ProgressText writes each progress as a line of text to w (a terminal).
func ProgressText(w io.Writer) ProgressFunc {
	var mu sync.Mutex
	return func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(w, p.String())
	}
}

// progressPrefix starts the machine-readable progress lines of a worker.
const progressPrefix = "stampede-progress "

// ProgressJSON writes each progress to w as one line, progressPrefix and a
// JSON object, for the parent of a worker process (ParseProgress).
func ProgressJSON(w io.Writer) ProgressFunc {
	var mu sync.Mutex
	return func(p Progress) {
		b, _ := json.Marshal(p) // a struct of numbers: cannot fail
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "%s%s\n", progressPrefix, b)
	}
}

// ParseProgress reads a line written by ProgressJSON; ok is false for any
// other line.
func ParseProgress(line string) (p Progress, ok bool) {
	rest, found := strings.CutPrefix(strings.TrimRight(line, "\r\n"), progressPrefix)
	if !found {
		return p, false
	}
	return p, json.Unmarshal([]byte(rest), &p) == nil
}

// sumProgress adds up the progress of several processes of one run:
// levels, rates and errors add; the elapsed time and the ack p99 are the
// largest (the p99 of the union is at most the largest p99 of its parts,
// and about it when the parts see the same server).
func sumProgress(parts []Progress) Progress {
	var s Progress
	for _, p := range parts {
		s.Elapsed = max(s.Elapsed, p.Elapsed)
		s.Clients += p.Clients
		s.Connects += p.Connects
		s.MessagesIn += p.MessagesIn
		s.MessagesOut += p.MessagesOut
		s.AckP99 = max(s.AckP99, p.AckP99)
		s.Errors += p.Errors
	}
	return s
}
