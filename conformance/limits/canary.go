package limits

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

func lim7Cases() []check.Case {
	const req = "Running out of file descriptors: accept failures are logged at warn (at most once a second, with a count) and counted; existing sessions keep working, and accepting resumes by itself when descriptors free up."
	return []check.Case{one("LIM-7/descriptors", req, 0, func(r *run) {
		r.t.Skip("cannot be provoked from outside: exhausting the target's file descriptors takes more connections than a case may open (2,000), and what the target logs and counts is not visible to a client (the refserver's own tests check LIM-7)")
	})}
}

// attackTime is how long LIM-8's hostile clients attack.
const attackTime = 10 * time.Second

func lim8Cases() []check.Case {
	const req = "After hostile clients leave, the server's goroutines, open files and heap return to their baseline; a canary client doing acked round trips is never disconnected while they attack. (A property the refserver's tests check; `check --layer limits` checks the canary part on any server.)"
	return []check.Case{one("LIM-8/canary", req+" (A canary per transport, in a room, does a round trip every 100 ms and validates UTF-8 as Node's ws client does, for 10 s while hostile clients send text that is not UTF-8 into its room, attachment bombs, bad placeholders, floods to a client that reads nothing, and hold sessions that never CONNECT and requests that never end their headers.)", caseTime, canaryUnderAttack)}
}

// attack is one kind of hostile client, run in a loop off the case
// goroutine until ctx ends: it must never fail the case itself.
type attack func(ctx context.Context, r *run, nsp, room string)

func canaryUnderAttack(r *run) {
	nsp, room := echoNS(r.t), "lim8-"+token()
	var canaries []*conn
	for _, tr := range transports {
		if (tr == websocketTr && r.t.Target.Websocket) || (tr == pollingTr && r.t.Target.Polling) {
			c := r.dial(tr, "canary over "+string(tr), true)
			c.connectNS(nsp)
			c.join(nsp, room)
			canaries = append(canaries, c)
		}
	}
	if len(canaries) == 0 {
		anyTransport(r.t) // skips
	}
	ctx, cancel := context.WithTimeout(r.t.Context(), attackTime)
	var wg sync.WaitGroup
	for _, a := range []attack{invalidShouts, invalidPosts, attachmentBombs, placeholderBombs, flood, idleSessions, stalledHeaders} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a(ctx, r, nsp, room)
		}()
	}
	defer func() {
		cancel()
		wg.Wait()
	}()
	rounds := 0
	for tick := time.NewTicker(100 * time.Millisecond); ctx.Err() == nil; <-tick.C {
		for _, c := range canaries {
			if !c.roundTrip(nsp) {
				r.t.Failf("the canary never disconnected and always answered while hostile clients attack",
					"%s: round trip %d was not answered within %s (%s)%s", c.name, rounds+1, check.Wait, c.why(), invalidNote(c))
			}
			if n := c.invalidSeen(); n > 0 {
				r.t.Failf("the canary to receive nothing that is not UTF-8", "%s received %d text packets that are not UTF-8 (a Node or browser client would have closed with 1007)", c.name, n)
			}
		}
		rounds++
	}
	r.t.Logf("%d round trips per canary; %d connections, %d bytes sent by the case", rounds, r.conns.Load(), r.sent.Load())
}

func invalidNote(c *conn) string {
	if n := c.invalidSeen(); n > 0 {
		return fmt.Sprintf("; it had received %d text packets that are not UTF-8", n)
	}
	return ""
}

// repeat runs once until ctx ends or the case's bounds are reached, a
// little apart so that the attack stays within maxConns.
func repeat(ctx context.Context, r *run, once func()) {
	for ctx.Err() == nil && r.within() {
		once()
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// attacker dials and connects nsp, or returns nil.
func attacker(r *run, tr transport, nsp, name string) *conn {
	c, err := r.tryDial(tr, name, true)
	if err != nil || c.tryConnectNS(nsp) != nil {
		return nil
	}
	return c
}

// invalidShouts join the canaries' room and shout text that is not UTF-8
// into it (LIM-3).
func invalidShouts(ctx context.Context, r *run, nsp, room string) {
	repeat(ctx, r, func() {
		if a := attacker(r, anyTr(r), nsp, "attacker (shouts invalid UTF-8)"); a != nil && a.tryJoin(nsp, room) == nil {
			_ = sendInvalid(a, nsp, "shout", strconv.Quote(room), notUTF8)
			a.waitClosed(time.Second)
		}
	})
}

// invalidPosts send polling bodies that are not UTF-8 (LIM-3).
func invalidPosts(ctx context.Context, r *run, nsp, _ string) {
	if !r.t.Target.Polling {
		return
	}
	repeat(ctx, r, func() {
		if a := attacker(r, pollingTr, nsp, "attacker (POSTs invalid UTF-8)"); a != nil {
			_ = sendInvalid(a, nsp, "message", notUTF8)
		}
	})
}

// attachmentBombs send packets over the attachment limits (LIM-1).
func attachmentBombs(ctx context.Context, r *run, nsp, _ string) {
	repeat(ctx, r, func() {
		if a := attacker(r, anyTr(r), nsp, "attacker (attachment bomb)"); a != nil {
			_ = a.send(countBomb(nsp, true).packets()...)
			a.waitClosed(time.Second)
		}
	})
}

// placeholderBombs send placeholders out of range (LIM-2).
func placeholderBombs(ctx context.Context, r *run, nsp, _ string) {
	repeat(ctx, r, func() {
		if a := attacker(r, anyTr(r), nsp, "attacker (bad placeholder)"); a != nil {
			_ = a.send(text(engineio.Message, `51-`+prefix(nsp)+`["message",{"_placeholder":true,"num":7}]`), binary([]byte{1}))
			a.waitClosed(time.Second)
		}
	})
}

// flood makes a client that reads nothing owe answers (LIM-6): it sends
// message events and never reads, up to 8 MiB.
func flood(ctx context.Context, r *run, nsp, _ string) {
	if !r.t.Target.Websocket {
		return
	}
	s, err := r.tryDial(websocketTr, "attacker (reads nothing)", false)
	if err != nil {
		return
	}
	msg := fmt.Sprintf(`2%s["message",%q]`, prefix(nsp), shoutPad)
	if s.sendSIO("0"+prefix(nsp)) != nil {
		return
	}
	for sent := 0; sent < 8<<20 && ctx.Err() == nil && r.within(); sent += len(msg) {
		if s.sendSIO(msg) != nil {
			return
		}
	}
}

// idleSessions hold 100 sessions that never CONNECT (LIM-4).
func idleSessions(ctx context.Context, r *run, _, _ string) {
	for i := 0; i < 100 && ctx.Err() == nil && r.within(); i++ {
		_, _ = r.tryDial(anyTr(r), "attacker (never connects)", true)
	}
}

// stalledHeaders hold 100 TCP connections that never end their headers
// (LIM-5).
func stalledHeaders(ctx context.Context, r *run, _, _ string) {
	for i := 0; i < 100 && ctx.Err() == nil && r.within(); i++ {
		c, err := r.tryDialTCP()
		if err != nil {
			return
		}
		_, _ = io.WriteString(c, r.requestHead()+"X-Stampede-Slow: ")
	}
}

// anyTr is anyTransport for attackers, which must not skip the case.
func anyTr(r *run) transport {
	if r.t.Target.Websocket {
		return websocketTr
	}
	return pollingTr
}
