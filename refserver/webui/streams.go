package webui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Synthetic chat completions: POST /api/control/stream sends a user's tabs
// what open-webui sends while a model answers (CHAT-1): `events` with data
// {type:"chat:completion", data:{content, done:false}} per delta, then one
// with done:true and the whole text.

// Stream limits and defaults.
const (
	maxDeltas       = 100000
	defaultDeltas   = 10
	defaultInterval = 50 * time.Millisecond
)

// streamSet runs the synthetic streams of one App, so that they can be
// cancelled one by one or all at once when the App stops.
type streamSet struct {
	mu      sync.Mutex
	closed  bool
	running map[string]context.CancelFunc
	wg      sync.WaitGroup
}

var errStreamsClosed = errors.New("the server is stopping")

// begin registers a stream; end must be called when it finishes.
func (s *streamSet) begin(parent context.Context) (id string, ctx context.Context, end func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", nil, nil, errStreamsClosed
	}
	ctx, cancel := context.WithCancel(parent)
	id = newJTI()[:16]
	s.running[id] = cancel
	s.wg.Add(1)
	return id, ctx, func() {
		cancel()
		s.mu.Lock()
		delete(s.running, id)
		s.mu.Unlock()
		s.wg.Done()
	}, nil
}

// cancel stops one stream; false when it is not running.
func (s *streamSet) cancel(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	cancel, ok := s.running[id]
	if ok {
		cancel()
	}
	return ok
}

// Close cancels every stream, refuses new ones, and waits until all ended.
func (s *streamSet) Close() {
	s.mu.Lock()
	s.closed = true
	for _, cancel := range s.running {
		cancel()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func newStreamSet() *streamSet {
	return &streamSet{running: map[string]context.CancelFunc{}}
}

func (a *App) streamSet() *streamSet { return a.streams }

// StopStreams cancels every synthetic stream of the App, refuses new ones,
// and returns when they have all ended. The refserver calls it at Shutdown.
func (a *App) StopStreams() { a.streams.Close() }

// streamRequest is the body of POST /api/control/stream.
type streamRequest struct {
	UserID     string        `json:"user_id"`
	ChatID     string        `json:"chat_id"`
	MessageID  string        `json:"message_id"`
	Deltas     int           `json:"deltas"`
	Interval   *jsonDuration `json:"interval"`
	IntervalMS *float64      `json:"interval_ms"`
	Content    string        `json:"content"`
	// Format of each delta's data: "content" (default; the text so far, as
	// open-webui sends now), "delta" (only the new text) or "choices"
	// (an OpenAI chunk {choices:[{index, delta:{content}}]}, as older
	// releases forwarded it).
	Format string `json:"format"`
	Wait   bool   `json:"wait"`
}

// streamResult is the answer of a waited stream.
type streamResult struct {
	StreamID   string  `json:"stream_id"`
	Deltas     int     `json:"deltas"`    // delta events sent
	Events     int     `json:"events"`    // deltas and the final done
	Delivered  int     `json:"delivered"` // sockets reached, summed over the events
	Cancelled  bool    `json:"cancelled"`
	DurationMS float64 `json:"duration_ms"`
}

// stream is POST /api/control/stream: 202 {stream_id} at once, or with
// "wait":true 200 and the counts when the stream has ended.
func (c *control) stream(r *http.Request, _ User) (answer, error) {
	var req streamRequest
	if err := decodeBody(r, &req); err != nil {
		return answer{}, err
	}
	if _, err := c.knownUser(req.UserID); err != nil {
		return answer{}, err
	}
	interval, deltas, err := req.plan()
	if err != nil {
		return answer{}, err
	}
	parent := context.Background()
	if req.Wait {
		parent = r.Context()
	}
	id, ctx, end, err := c.streams.begin(parent)
	if err != nil {
		return answer{}, errorf(http.StatusServiceUnavailable, "%v", err)
	}
	if !req.Wait {
		go func() {
			defer end()
			c.runStream(ctx, id, req, deltas, interval)
		}()
		return answer{status: http.StatusAccepted, body: map[string]string{"stream_id": id}, sockets: -1}, nil
	}
	defer end()
	return jsonOK(c.runStream(ctx, id, req, deltas, interval)), nil
}

// plan checks the request and returns the pacing and the delta texts.
func (req *streamRequest) plan() (time.Duration, []string, error) {
	interval := defaultInterval
	switch {
	case req.Interval != nil:
		interval = time.Duration(*req.Interval)
	case req.IntervalMS != nil:
		interval = time.Duration(*req.IntervalMS * float64(time.Millisecond))
	}
	switch {
	case interval < 0:
		return 0, nil, errorf(http.StatusUnprocessableEntity, "interval must not be negative")
	case req.Deltas < 0 || req.Deltas > maxDeltas:
		return 0, nil, errorf(http.StatusUnprocessableEntity, "deltas must be 0…%d", maxDeltas)
	case req.Format != "" && req.Format != "content" && req.Format != "delta" && req.Format != "choices":
		return 0, nil, errorf(http.StatusUnprocessableEntity, `format must be "content", "delta" or "choices"`)
	}
	return interval, splitDeltas(req.Content, req.Deltas), nil
}

// splitDeltas cuts content into n pieces of near-equal length (at most one
// per character), into words when n is 0; without content it makes n words
// (defaultDeltas when n is 0).
func splitDeltas(content string, n int) []string {
	if content == "" {
		if n == 0 {
			n = defaultDeltas
		}
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("tok%d ", i+1)
		}
		return out
	}
	if n == 0 {
		words := strings.SplitAfter(content, " ")
		if words[len(words)-1] == "" {
			words = words[:len(words)-1]
		}
		return words
	}
	runes := []rune(content)
	n = min(n, len(runes))
	out := make([]string, n)
	for i := range out {
		out[i] = string(runes[i*len(runes)/n : (i+1)*len(runes)/n])
	}
	return out
}

// runStream emits the deltas, the first at once and the others one
// interval apart, then the final done; it stops early when ctx ends.
func (c *control) runStream(ctx context.Context, id string, req streamRequest, deltas []string, interval time.Duration) streamResult {
	start := time.Now()
	res := streamResult{StreamID: id}
	room := "user:" + req.UserID
	send := func(data map[string]any) {
		res.Delivered += c.app.emit(room, "", "events", chatEvent(req.ChatID, req.MessageID,
			map[string]any{"type": "chat:completion", "data": data}))
		res.Events++
	}
	var tick <-chan time.Time
	if interval > 0 {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	var text strings.Builder
	for i, d := range deltas {
		if i > 0 && tick != nil {
			select {
			case <-ctx.Done():
			case <-tick:
			}
		}
		if ctx.Err() != nil {
			res.Cancelled = true
			break
		}
		text.WriteString(d)
		send(deltaData(req.Format, d, text.String()))
		res.Deltas++
	}
	if !res.Cancelled {
		send(map[string]any{"content": text.String(), "done": true})
	}
	res.DurationMS = float64(time.Since(start).Microseconds()) / 1000
	return res
}

// deltaData is the data of one chat:completion delta in the given format.
func deltaData(format, delta, sofar string) map[string]any {
	switch format {
	case "delta":
		return map[string]any{"content": delta, "done": false}
	case "choices":
		return map[string]any{"choices": []any{map[string]any{
			"index": 0, "delta": map[string]string{"content": delta}, "finish_reason": nil,
		}}}
	}
	return map[string]any{"content": sofar, "done": false}
}

// stopStream is DELETE /api/control/stream/{id}: the stream stops before its
// next delta and sends no done.
func (c *control) stopStream(r *http.Request, _ User) (answer, error) {
	id := r.PathValue("id")
	if !c.streams.cancel(id) {
		return answer{}, errorf(http.StatusNotFound, "stream %s is not running", id)
	}
	return jsonOK(map[string]any{"stream_id": id, "cancelled": true}), nil
}
