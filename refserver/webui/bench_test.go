package webui_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/token"
	"github.com/stampede-sio/stampede/refserver"
	"github.com/stampede-sio/stampede/refserver/webui"
)

// BenchmarkUserJoin is the round trip of user-join (AUTH-4): token
// verification, session write, room joins and the {id, name} ack, over a
// real socket.
func BenchmarkUserJoin(b *testing.B) {
	r := newRig(b, refserver.Config{})
	tb := r.connect(b, "u000002")
	arg := authArg(r.token(b, "u000002"))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		p, err := tb.sock.EmitWithAck(ctx, "user-join", arg)
		if err != nil || len(p.Args) != 1 {
			b.Fatalf("user-join: %v, ack %v", err, p.Args)
		}
	}
}

// BenchmarkTypingFanout1000 is one typing event (CHAN-2) to a channel of
// 1,000 member sockets, each of a distinct user: an op ends when every
// member, the sender included, has received it.
func BenchmarkTypingFanout1000(b *testing.B) {
	const members = 1000
	r := newRig(b, refserver.Config{Population: webui.Generate(webui.Sizes{Users: members, Channels: 1})})
	var delivered, target atomic.Int64
	done := make(chan struct{}, 1)
	onTyping := func(client.Event) {
		if delivered.Add(1) == target.Load() {
			done <- struct{}{}
		}
	}
	socks := connectMembers(b, r, members, onTyping)

	sender := socks[0]
	payload := typing("c0001", "m1")
	ctx := context.Background()
	timeout := time.NewTimer(time.Minute)
	defer timeout.Stop()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		target.Store(int64(n * members))
		if err := sender.Emit(ctx, "events:channel", payload); err != nil {
			b.Fatal(err)
		}
		select {
		case <-done:
		case <-timeout.C:
			b.Fatalf("op %d: %d of %d deliveries", n, delivered.Load()-int64((n-1)*members), members)
		}
	}
	b.ReportMetric(float64(n*members)/b.Elapsed().Seconds(), "deliveries/s")
}

// connectMembers connects and user-joins users u000001 … u00000n, each on
// its own connection, with onTyping as their events:channel handler.
func connectMembers(b *testing.B, r *rig, n int, onTyping func(client.Event)) []*client.Socket {
	b.Helper()
	conns := make([]*client.Conn, n)
	socks := make([]*client.Socket, n)
	errs := make(chan error, n)
	opts := &client.Options{Path: "/ws/socket.io/"}
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				ctx, cancel := context.WithTimeout(context.Background(), rigWait)
				conn, err := client.Dial(ctx, r.url, opts)
				if err != nil {
					cancel()
					errs <- err
					return
				}
				conns[i] = conn
				s := conn.Socket("/")
				s.On("events:channel", onTyping)
				tok, err := token.Mint(r.srv.Secret(), webui.UserID(i+1), time.Hour, time.Now())
				if err == nil {
					err = s.Connect(ctx, map[string]string{"token": tok})
				}
				if err == nil {
					var p client.Payload
					p, err = s.EmitWithAck(ctx, "user-join", authArg(tok))
					if err == nil && len(p.Args) != 1 {
						err = context.Canceled
					}
				}
				cancel()
				if err != nil {
					errs <- err
					return
				}
				socks[i] = s
			}
		})
	}
	wg.Wait()
	b.Cleanup(func() {
		var wg sync.WaitGroup
		for _, c := range conns {
			if c != nil {
				wg.Go(func() { c.Close() })
			}
		}
		wg.Wait()
	})
	close(errs)
	if err := <-errs; err != nil {
		b.Fatalf("connect members: %v", err)
	}
	if got := r.srv.SocketIO().Hub().Size("/", "channel:c0001"); got != n {
		b.Fatalf("channel:c0001 holds %d sockets, want %d", got, n)
	}
	return socks
}

// BenchmarkVerifyFirstSight verifies tokens the server has not seen yet
// (AUTH-1): decoding, the algorithm, the HMAC, the expiry and the user
// lookup, once per connecting client; later sightings hit Auth's cache.
func BenchmarkVerifyFirstSight(b *testing.B) {
	secret := []byte("bench-secret")
	pop := webui.Generate(webui.Sizes{Users: 1000})
	toks := make([]string, 1000)
	for i := range toks {
		var err error
		if toks[i], err = token.Mint(secret, webui.UserID(i+1), time.Hour, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	var a *webui.Auth
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%len(toks) == 0 {
			a = webui.NewAuth(secret, pop, webui.NewMemoryRevocations()) // an empty cache
		}
		if _, _, err := a.Verify(toks[i%len(toks)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
