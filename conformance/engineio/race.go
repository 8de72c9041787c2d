package engineio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// The race cases send what socket.io's official test suites send, back to
// back, with no spacing: requests of one session are answered as if
// handled in the order the client sent them (EIO-8), so the answer must be
// the same every time. A server that decides by whichever of its
// goroutines gets there first passes the spaced cases and fails some
// repetitions of these, so each repeats its exchange (Target.Repeat,
// --repeat) on a fresh session and fails when any repetition broke it.

// repeated runs once Target.Repetitions() times, at most parallel at a
// time, each on its own wire, and fails the case with how many repetitions
// broke the behaviour and what they got.
func repeated(t *check.T, parallel int, once func(w *wire) error) {
	n := t.Target.Repetitions()
	var (
		mu       sync.Mutex
		expected string
		broke    = map[string]int{}
		skip     *skipError
		wg       sync.WaitGroup
	)
	sem := make(chan struct{}, parallel)
	ran, stopped := 0, false
	isStopped := func() bool { mu.Lock(); defer mu.Unlock(); return stopped }
	for ran < n && !isStopped() {
		ran++
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			w := newWire(t)
			err := once(w)
			w.close()
			if err == nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			var f *failure
			switch {
			case errors.As(err, &skip):
				stopped = true
			case errors.As(err, &f):
				expected = cmp(expected, f.expected)
				broke[f.actual]++
				// An exchange that did not complete is no verdict on the
				// race: repeating it would only wait again.
				stopped = stopped || !errors.Is(err, errRaceLost)
			default:
				expected = cmp(expected, "the exchange to complete")
				broke[err.Error()]++
				stopped = true
			}
		}()
	}
	wg.Wait()
	switch {
	case skip != nil:
		t.Skip(skip.reason)
	case len(broke) > 0 && ran < n:
		t.Fail(expected, tally(broke, ran)+fmt.Sprintf(" (stopped after %d of %d repetitions)", ran, n))
	case len(broke) > 0:
		t.Fail(expected, tally(broke, n))
	}
}

// errRaceLost marks a repetition whose exchange completed with the wrong
// answer; the others stop the repetitions.
var errRaceLost = errors.New("race lost")

// lost is a repetition's wrong answer.
func lost(expected, actualFormat string, args ...any) error {
	return &failure{expected: expected, actual: fmt.Sprintf(actualFormat, args...), cause: errRaceLost}
}

// cmp keeps the first expectation seen.
func cmp(have, next string) string {
	if have != "" {
		return have
	}
	return next
}

// tally says how many of n repetitions got what, most frequent first.
func tally(broke map[string]int, n int) string {
	got := make([]string, 0, len(broke))
	for actual := range broke {
		got = append(got, actual)
	}
	sort.Slice(got, func(i, j int) bool {
		return broke[got[i]] > broke[got[j]] || broke[got[i]] == broke[got[j]] && got[i] < got[j]
	})
	parts := make([]string, len(got))
	for i, actual := range got {
		parts[i] = fmt.Sprintf("%d of %d repetitions: %s", broke[actual], n, actual)
	}
	return strings.Join(parts, "; ")
}

// requireUpgradable skips a case when the raw echo cannot upgrade.
func requireUpgradable(t *check.T) {
	if !t.Target.EnginePoll || !t.Target.EngineWS {
		t.Skip(noUpgrade + ": its raw Engine.IO path does not serve both polling and websocket")
	}
}

// openProbe opens a polling session on the raw echo and the websocket of
// its upgrade, without probing.
func openProbe(w *wire) (*poll, *wsConn, error) {
	p, err := w.openPoll(w.t.Target.EnginePath, nil)
	if err != nil {
		return nil, nil, err
	}
	if !slices.Contains(p.open.Upgrades, engineio.TransportWebsocket) {
		return nil, nil, &skipError{noUpgrade + ": the OPEN packet lists no websocket upgrade"}
	}
	c, err := w.dialWS(p.path, p.query(engineio.TransportWebsocket), nil)
	var re *refusedError
	if errors.As(err, &re) {
		return nil, nil, failf("the upgrade websocket for the session", "the handshake was answered %v", re)
	}
	return p, c, err
}

// refusedAfterUpgrade checks that a polling request the client sent after
// `5` was answered 400 (EIO-9).
func refusedAfterUpgrade(r result, what string) error {
	if r.err != nil {
		return r.err
	}
	if r.status != http.StatusBadRequest {
		return lost("HTTP 400 to a polling request sent right after `5` (EIO-9)",
			"%s", gotStatus(r.status, http.StatusBadRequest, what+" after `5` was answered "+r.reply.String()))
	}
	return nil
}

// upgradedEcho checks the websocket after a burst: `3probe` first, then
// the echo of msg; nothing the polling requests carried comes through.
func upgradedEcho(c *wsConn, msg string) error {
	f, err := c.next(check.Wait)
	if err != nil {
		return describe(err, "`3probe` answering `2probe`", check.Wait)
	}
	if f.raw != "3probe" {
		return lost("`3probe` answering `2probe`", "%s", f)
	}
	c.autoPong(true)
	got, err := recvMessage(c, check.Wait)
	if err != nil {
		return describe(err, fmt.Sprintf("the echo %q over the websocket after `5`", msg), check.Wait)
	}
	if got.raw != msg {
		return lost(fmt.Sprintf("the echo %q over the websocket after `5`, and nothing a refused POST carried", msg), "%s", got)
	}
	return nil
}

// raceGetAfterUpgrade is EIO-9/race-get-after-upgrade, the official
// suites' "ignores HTTP requests with same sid after upgrade": `2probe`
// and `5` back to back, then a GET.
func raceGetAfterUpgrade(_ context.Context, t *check.T) {
	requireUpgradable(t)
	repeated(t, 1, func(w *wire) error {
		p, c, err := openProbe(w)
		if err != nil {
			return err
		}
		if err := c.send("2probe", "5"); err != nil {
			return err
		}
		r, err := w.request(p.n, http.MethodGet, p.url(), nil, nil, check.Wait)
		if err := refusedAfterUpgrade(result{r, err}, "the GET"); err != nil {
			return err
		}
		if err := c.send("4hello"); err != nil {
			return err
		}
		return upgradedEcho(c, "4hello")
	})
}

// raceBurst is EIO-9/race-burst: the whole upgrade in one burst, a
// message after `5` on the websocket, then a POST and a GET at once.
func raceBurst(_ context.Context, t *check.T) {
	requireUpgradable(t)
	repeated(t, 1, func(w *wire) error {
		p, c, err := openProbe(w)
		if err != nil {
			return err
		}
		if err := c.send("2probe", "5", "4burst"); err != nil {
			return err
		}
		post := w.requestAsync(p.n, http.MethodPost, p.url(), []byte("4late"), check.Wait)
		get := w.requestAsync(p.n, http.MethodGet, p.url(), nil, check.Wait)
		for _, req := range []struct {
			ch   <-chan result
			what string
		}{{post, "the POST"}, {get, "the GET"}} {
			if err := refusedAfterUpgrade(<-req.ch, req.what); err != nil {
				return err
			}
		}
		return upgradedEcho(c, "4burst")
	})
}

// racePostCloseWithGet is EIO-8/race-post-close-with-get, the official
// suites' "forcefully closes the session": a GET and a POST `1` in the
// same tick, the POST leaving as soon as the GET is on the wire. Whichever
// the server reaches first, the GET gets `6`, and a GET after that gets 400.
func racePostCloseWithGet(_ context.Context, t *check.T) {
	requireEngine(t, engineio.TransportPolling)
	repeated(t, 1, func(w *wire) error {
		p, err := w.openPoll(t.Target.EnginePath, nil)
		if err != nil {
			return err
		}
		get := w.requestSent(p.n, http.MethodGet, p.url(), nil, p.hold())
		post := w.requestAsync(p.n, http.MethodPost, p.url(), []byte("1"), check.Wait)
		g, pr := <-get, <-post
		for _, r := range []result{g, pr} {
			if r.err != nil {
				return r.err
			}
		}
		if pr.status != http.StatusOK {
			return lost("HTTP 200 to POST `1` (EIO-8)", "%s", gotStatus(pr.status, http.StatusOK, "the POST was answered "+pr.reply.String()))
		}
		if g.status != http.StatusOK || string(g.body) != "6" {
			return lost("`6` to the GET sent with POST `1`, whichever the server reaches first (EIO-8)",
				"the GET was answered %s", g.reply)
		}
		r, err := p.get()
		if err != nil {
			return err
		}
		if r.status != http.StatusBadRequest {
			return lost("HTTP 400 to a GET after POST `1` closed the session (EIO-8)",
				"%s", gotStatus(r.status, http.StatusBadRequest, "the next GET was answered "+r.String()))
		}
		return nil
	})
}

// raceGetAtTimeout is EIO-5/race-get-at-timeout, the official suites'
// "closes the session upon ping timeout": a GET pingInterval +
// pingTimeout after the open, never earlier, with the ping unanswered.
// Each repetition waits for the timeout, so they overlap only as much as
// the case's time needs (timeoutParallel).
func raceGetAtTimeout(_ context.Context, t *check.T) {
	requireEngine(t, engineio.TransportPolling)
	repeated(t, timeoutParallel(t), func(w *wire) error {
		p, err := w.openPoll(t.Target.EnginePath, nil)
		if err != nil {
			return err
		}
		pi, pt, err := pingTimings(p.open)
		if err != nil {
			return err
		}
		timer := time.NewTimer(time.Until(p.opened.Add(pi + pt)))
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-w.ctx.Done():
			return w.over()
		}
		r, err := p.get()
		if err != nil {
			return err
		}
		if r.status != http.StatusBadRequest {
			return lost(fmt.Sprintf("HTTP 400 to a GET pingInterval + pingTimeout (%v) after the open, the ping unanswered (EIO-5)", pi+pt),
				"%s", gotStatus(r.status, http.StatusBadRequest, "the GET was answered "+r.String()))
		}
		return nil
	})
}

// timeoutParallel is how many repetitions of raceGetAtTimeout run at once:
// as few as fit in two thirds of the case's time, one pingInterval +
// pingTimeout (and half a second) each. Fewer at once is closer to the
// official suites, which run one at a time, and loads the target less: a
// server that enforces the timeout with a timer alone runs it later when
// loaded (conformance/NODE.md).
func timeoutParallel(t *check.T) int {
	n := t.Target.Repetitions()
	deadline, ok := t.Context().Deadline()
	each := t.Target.PingInterval + t.Target.PingTimeout + 500*time.Millisecond
	if !ok || t.Target.PingInterval <= 0 {
		return n
	}
	rounds := int(time.Until(deadline) * 2 / 3 / each)
	if rounds < 1 {
		return n
	}
	return min(n, (n+rounds-1)/rounds)
}
