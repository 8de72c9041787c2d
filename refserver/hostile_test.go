package refserver_test

// The hostile clients of issue 10 (PROTOCOL.md section 12, LIM-1 … LIM-6),
// each run against a refserver with short limits while a canary does acked
// round trips (LIM-8). Attack sizes are a few hundred connections and a few
// hundred MB at most, so that the suite stays within seconds and far from
// the process's open-file limit.

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/test/wstest"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// hostileAttack is one attack; run returns how many connections or
// sessions the limit should have closed (and counted).
type hostileAttack struct {
	name, limit string
	run         func(t *testing.T, r *hostileRig) (closes int)
}

func hostileAttacks() []hostileAttack {
	return []hostileAttack{
		{"attachment-bomb/websocket/65536", "LIM-1", func(t *testing.T, r *hostileRig) int { return bombWebsocket(t, r, 65536) }},
		{"attachment-bomb/websocket/16", "LIM-1", func(t *testing.T, r *hostileRig) int { return bombWebsocket(t, r, 16) }},
		{"attachment-bomb/polling/65536", "LIM-1", func(t *testing.T, r *hostileRig) int { return bombPolling(t, r, 65536) }},
		{"attachment-bomb/polling/16", "LIM-1", func(t *testing.T, r *hostileRig) int { return bombPolling(t, r, 16) }},
		{"placeholder/-1", "LIM-2", func(t *testing.T, r *hostileRig) int { return badPlaceholder(t, r, -1) }},
		{"placeholder/99999999", "LIM-2", func(t *testing.T, r *hostileRig) int { return badPlaceholder(t, r, 99999999) }},
		{"invalid-utf8/echo-shout", "LIM-3", invalidShout},
		{"invalid-utf8/channel-typing", "LIM-3", invalidTyping},
		{"invalid-utf8/polling", "LIM-3", invalidPolling},
		{"never-connect", "LIM-4", neverConnect},
		{"slowloris", "LIM-5", slowloris},
		{"polling-queue", "LIM-6", pollingQueue},
	}
}

// TestHostileClients: for every attack, the attackers are closed, the
// canary keeps its connection and every ack, the heap stays bounded where
// the attack is on memory, goroutines and open files return to their
// baseline, and /metrics counts the closes (LIM-8).
func TestHostileClients(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile clients take seconds")
	}
	r := newHostileRig(t)
	want := map[string]int{}
	for _, a := range hostileAttacks() {
		t.Run(a.limit+"/"+a.name, func(t *testing.T) {
			base := measure()
			trips := r.canary.trips.Load()
			before := r.limitCount(t, a.limit)
			// Registered first, so run last: after the attackers' own clean-up.
			t.Cleanup(func() {
				r.canary.check(t, trips)
				base.settles(t)
			})
			closes := a.run(t, r)
			want[a.limit] += closes
			got := r.limitCount(t, a.limit) - before
			assert.GreaterOrEqual(t, got, float64(closes), "stampede_limit_closes_total{limit=%q} rose by %v, want %d", a.limit, got, closes)
		})
	}
	for _, id := range []string{"LIM-1", "LIM-2", "LIM-3", "LIM-4", "LIM-5", "LIM-6"} {
		got := r.limitCount(t, id)
		t.Logf("stampede_limit_closes_total{limit=%q} %v", id, got)
		assert.GreaterOrEqual(t, got, float64(want[id]), "after all attacks: %s counted %v closes, the attacks caused %d", id, got, want[id])
	}
}

// The attachment bomb: 10 clients, 12 MB each, against a heap bound of
// 64 MiB above the baseline (LIM-1: at most maxPayload buffered per client).
const (
	bombers     = 10
	bombFrames  = 8
	bombFrame   = 1000000 // the default maxPayload
	heapBound   = 64 << 20
	heapSettled = 16 << 20 // the heap, after a GC, once the attackers are gone
)

// bombWebsocket announces n attachments before any CONNECT and sends
// maxPayload-sized binary frames until the server closes the connection.
func bombWebsocket(t *testing.T, r *hostileRig, n int) int {
	clients := make([]*wstest.Client, bombers)
	for i := range clients {
		clients[i] = r.dial(t)
	}
	payload := make([]byte, bombFrame)
	header := fmt.Sprintf(`45%d-["bomb",{"_placeholder":true,"num":0}]`, n)
	base := bomb(t, func(i int) {
		c := clients[i]
		if c.Write(websocket.TextMessage, header) != nil {
			return
		}
		for range bombFrames {
			if c.WriteBytes(websocket.BinaryMessage, payload) != nil {
				return
			}
		}
	})
	for _, c := range clients {
		closedWith(t, c, -1)
		c.Close()
	}
	heapReturns(t, base)
	return bombers
}

// bombPolling is the bomb on polling: each attachment a `b<base64>` POST
// of maxPayload bytes.
func bombPolling(t *testing.T, r *hostileRig, n int) int {
	polls := make([]*poller, bombers)
	for i := range polls {
		polls[i] = r.poll(t)
	}
	body := "b" + base64.StdEncoding.EncodeToString(make([]byte, (bombFrame-1)/4*3))
	header := fmt.Sprintf(`45%d-["bomb",{"_placeholder":true,"num":0}]`, n)
	answers := make([][]int, bombers) // each attacker's POST statuses, 0 for a failed request
	base := bomb(t, func(i int) {
		p := polls[i]
		for j := 0; j <= bombFrames; j++ {
			b := body
			if j == 0 {
				b = header
			}
			code, _, err := send(p.hc, http.MethodPost, p.url, strings.NewReader(b))
			if err != nil {
				code = 0
			}
			answers[i] = append(answers[i], code)
			if code != http.StatusOK {
				return
			}
		}
	})
	for i, p := range polls {
		// The session is closed once over a limit: its later POSTs are refused.
		assert.NotEqual(t, http.StatusOK, answers[i][len(answers[i])-1],
			"attacker %d: the server took every POST of the bomb, answering %v", i, answers[i])
		p.closed(t)
	}
	heapReturns(t, base)
	return bombers
}

// bomb runs attack(i) for every attacker at once and asserts that the heap
// stayed within heapBound of its level before, which it returns.
func bomb(t *testing.T, attack func(i int)) (base int64) {
	t.Helper()
	base = measure().heap
	rssBase := rss()
	stop, stopRSS := heapPeak(), rssPeak()
	var wg sync.WaitGroup
	for i := range bombers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			attack(i)
		}()
	}
	wg.Wait()
	grew := stop() - base
	rssGrew := stopRSS() - rssBase
	t.Logf("LIM-1: heap in use peaked %.1f MiB above the baseline of %.1f MiB, RSS %.1f MiB above %.1f MiB, while %d clients tried the attachment bomb (%s)",
		float64(grew)/(1<<20), float64(base)/(1<<20), float64(rssGrew)/(1<<20), float64(rssBase)/(1<<20), bombers, time.Now().Format(time.DateOnly))
	assert.Less(t, grew, int64(heapBound), "heap in use grew %d MiB during the attachment bomb", grew>>20)
	return base
}

// heapReturns asserts that the heap, after a GC, returns near its level
// before the attack once the attackers are closed (LIM-8).
func heapReturns(t *testing.T, base int64) {
	t.Helper()
	var heap int64
	ok := assert.Eventually(t, func() bool {
		heap = measure().heap
		return heap < base+heapSettled
	}, 5*time.Second, 100*time.Millisecond)
	if !ok {
		t.Errorf("heap in use %d MiB after the attackers left", heap>>20)
	}
}

// badPlaceholder sends an event on /echo whose placeholder points outside
// its one attachment (LIM-2): never echoed back, and the attacker closed.
func badPlaceholder(t *testing.T, r *hostileRig, num int) int {
	c := r.dial(t)
	connect(t, c, "/echo", "")
	require.NoError(t, c.Write(websocket.TextMessage, fmt.Sprintf(`451-/echo,["message",{"_placeholder":true,"num":%d}]`, num)))
	// The attachment may not go out: LIM-2 closes on receipt of the header,
	// and the test client answers the close before this write comes
	// (websocket: close sent). The close itself is checked by the caller.
	_ = c.Write(websocket.BinaryMessage, "x")
	frames, _ := c.Rest(t)
	for _, f := range frames {
		assert.NotContains(t, f.Data, "message-back", "the bad placeholder was echoed back")
	}
	return 1
}

// invalidShout: a `shout` to the canary's room whose text is not UTF-8
// (LIM-3) closes the attacker with 1007 and reaches nobody.
func invalidShout(t *testing.T, r *hostileRig) int {
	c := r.dial(t)
	connect(t, c, "/echo", "")
	shouts := r.canary.shouts.Load()
	require.NoError(t, c.Write(websocket.TextMessage, `42/echo,["shout","`+canaryRoom+`","hello"]`))
	require.Eventually(t, func() bool { return r.canary.shouts.Load() > shouts }, hostileWait, 10*time.Millisecond,
		"the canary never got a valid shout")
	require.NoError(t, c.Write(websocket.TextMessage, `42/echo,["shout","`+canaryRoom+"\",\"bad \xff\xfe\"]"))
	closedWith(t, c, websocket.CloseInvalidFramePayloadData)
	r.canary.sync(t)
	return 1
}

// invalidTyping: typing to channel c0001 whose data is not UTF-8 (LIM-3).
func invalidTyping(t *testing.T, r *hostileRig) int {
	c := r.dial(t)
	connect(t, c, webui.Namespace, `{"token":"`+r.token+`"}`)
	require.NoError(t, c.Write(websocket.TextMessage, `42["join-channels",{"auth":{"token":"`+r.token+`"}}]`))
	hub := r.srv.SocketIO().Hub()
	require.Eventually(t, func() bool { return hub.Size(webui.Namespace, "channel:c0001") == 2 }, hostileWait, 10*time.Millisecond,
		"the attacker never joined channel c0001")
	typing := func(note string) string {
		return `42["events:channel",{"channel_id":"c0001","message_id":null,"data":{"type":"typing","data":{"typing":true,"note":"` + note + `"}}}]`
	}
	typed := r.canary.typed.Load()
	require.NoError(t, c.Write(websocket.TextMessage, typing("hello")))
	require.Eventually(t, func() bool { return r.canary.typed.Load() > typed }, hostileWait, 10*time.Millisecond,
		"the canary never saw valid typing")
	require.NoError(t, c.Write(websocket.TextMessage, typing("bad \xff\xfe")))
	closedWith(t, c, websocket.CloseInvalidFramePayloadData)
	r.canary.sync(t)
	return 1
}

// invalidPolling: the shout as a polling POST is answered 400 and the
// session closes (LIM-3).
func invalidPolling(t *testing.T, r *hostileRig) int {
	p := r.poll(t)
	p.connectEcho(t)
	shouts := r.canary.shouts.Load()
	require.Equal(t, http.StatusOK, p.post(t, `42/echo,["shout","`+canaryRoom+`","hello"]`))
	require.Eventually(t, func() bool { return r.canary.shouts.Load() > shouts }, hostileWait, 10*time.Millisecond,
		"the canary never got a valid shout")
	assert.Equal(t, http.StatusBadRequest, p.post(t, `42/echo,["shout","`+canaryRoom+"\",\"bad \xff\xfe\"]"))
	p.closed(t)
	r.canary.sync(t)
	return 1
}

// neverConnect: sessions that never send a Socket.IO CONNECT are closed
// after the connect timeout (LIM-4), on websocket (answering pings) and on
// polling.
func neverConnect(t *testing.T, r *hostileRig) int {
	const sockets, polls = 100, 20
	clients := make([]*wstest.Client, sockets)
	for i := range clients {
		clients[i] = r.dial(t)
	}
	ps := make([]*poller, polls)
	for i := range ps {
		ps[i] = r.poll(t)
	}
	for _, c := range clients {
		closedWith(t, c, -1)
		c.Close()
	}
	for _, p := range ps {
		p.closed(t)
	}
	return sockets + polls
}

// slowloris: TCP connections that never send a byte, or send half a
// request header, are closed within the read-header timeout; a keep-alive
// connection left idle after a request, within the idle timeout (LIM-5).
func slowloris(t *testing.T, r *hostileRig) int {
	const silent, half, idle = 200, 100, 20
	addr := strings.TrimPrefix(r.base, "http://")
	var held [3][]time.Duration // per kind: how long the server kept the connection
	var mu sync.Mutex
	var wg sync.WaitGroup
	for kind, n := range []int{silent, half, idle} {
		for range n {
			conn, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			t.Cleanup(func() { conn.Close() })
			rd := bufio.NewReader(conn)
			switch kind {
			case 1:
				_, err = conn.Write([]byte("GET " + r.path + "?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nUser-Agent: slow"))
			case 2:
				_, err = conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
				if err == nil {
					err = readResponse(conn, rd)
				}
			}
			require.NoError(t, err)
			wg.Add(1)
			go func() {
				defer wg.Done()
				d := heldFor(conn, rd)
				mu.Lock()
				held[kind] = append(held[kind], d)
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	for kind, name := range []string{"silent", "half a header", "idle keep-alive"} {
		longest := time.Duration(0)
		open := 0
		for _, d := range held[kind] {
			longest = max(longest, d)
			if d < 0 {
				open++
			}
		}
		assert.Zero(t, open, "%d of %d %s connections still open after %v", open, len(held[kind]), name, hostileWait)
		if open == 0 {
			t.Logf("LIM-5: %s TCP connections held at most %v (timeout %v, %s)", name, longest.Round(time.Millisecond),
				hostileTimeout, time.Now().Format(time.DateOnly))
		}
	}
	return silent + half + idle
}

// readResponse reads one response and its body.
func readResponse(conn net.Conn, rd *bufio.Reader) error {
	conn.SetReadDeadline(time.Now().Add(hostileWait))
	resp, err := http.ReadResponse(rd, nil)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return err
}

// heldFor waits for the server to close conn and returns how long that
// took, or -1 when it is still open after hostileWait.
func heldFor(conn net.Conn, rd *bufio.Reader) time.Duration {
	start := time.Now()
	conn.SetReadDeadline(start.Add(hostileWait))
	_, err := rd.ReadByte()
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return -1
	}
	return time.Since(start)
}

// pollingQueue: a polling client that sends far more acked events than
// its queue holds without ever GETting gets 400, and its session is
// closed, logged and counted (LIM-6).
func pollingQueue(t *testing.T, r *hostileRig) int {
	p := r.poll(t)
	p.connectEcho(t)
	packets := make([]string, 4*hostileMaxQueue)
	for i := range packets {
		packets[i] = fmt.Sprintf(`42/echo,%d["message-with-ack",%d]`, i, i)
	}
	assert.Equal(t, http.StatusBadRequest, p.post(t, strings.Join(packets, rs)))
	p.closed(t)
	logs := r.logs.String()
	assert.True(t, strings.Contains(logs, "slow consumer") || strings.Contains(logs, "LIM-6"),
		"no warning about the slow consumer in the log:\n%s", logs)
	return 1
}
