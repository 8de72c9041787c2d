package limit

import (
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"
)

// ID names one limit of PROTOCOL.md section 12.
type ID int

// The limits, LIM-1 … LIM-7.
const (
	Attachments    ID = 1 + iota // LIM-1: attachment count and total size
	Placeholder                  // LIM-2: placeholder num out of range
	UTF8                         // LIM-3: text that is not UTF-8
	ConnectTimeout               // LIM-4: no Socket.IO CONNECT in time
	HTTP                         // LIM-5: header and idle timeouts
	Queue                        // LIM-6: slow consumer
	Accept                       // LIM-7: accept failures (EMFILE)
	numIDs
)

// String is the spec ID, "LIM-n".
func (id ID) String() string { return "LIM-" + strconv.Itoa(int(id)) }

// IDs lists every limit, in order.
func IDs() []ID {
	out := make([]ID, 0, numIDs-1)
	for id := Attachments; id < numIDs; id++ {
		out = append(out, id)
	}
	return out
}

// logEvery is the least time between two log lines of one limit.
const logEvery = time.Second

// Reporter counts and logs limit hits.
type Reporter struct {
	log         *slog.Logger
	counts      [numIDs]atomic.Uint64
	loggedAt    [numIDs]atomic.Int64  // unix nanoseconds of the last log line
	loggedCount [numIDs]atomic.Uint64 // the count at the last log line
}

// New returns a Reporter logging to log (nil: nowhere).
func New(log *slog.Logger) *Reporter {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Reporter{log: log}
}

// Hit counts one hit of limit id and logs msg with args at warn level,
// unless this limit logged less than a second ago.
func (r *Reporter) Hit(id ID, msg string, args ...any) {
	if r == nil || id < Attachments || id >= numIDs {
		return
	}
	n := r.counts[id].Add(1)
	now := time.Now().UnixNano()
	last := r.loggedAt[id].Load()
	if last != 0 && now-last < int64(logEvery) || !r.loggedAt[id].CompareAndSwap(last, now) {
		return
	}
	unlogged := n - r.loggedCount[id].Swap(n) - 1
	r.log.Warn("limit "+id.String()+": "+msg, append(args, "total", n, "unlogged", unlogged)...)
}

// Count is how many times limit id was hit.
func (r *Reporter) Count(id ID) uint64 {
	if r == nil || id < Attachments || id >= numIDs {
		return 0
	}
	return r.counts[id].Load()
}
