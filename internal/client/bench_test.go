package client

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/internal/procstat"
)

// BenchmarkEmitWithAck is the virtual client's hot path: one acked event
// round trip to the Node echo server over websocket.
func BenchmarkEmitWithAck(b *testing.B) {
	ctx := context.Background()
	c, err := Dial(ctx, echoServer(b), nil)
	require.NoError(b, err)
	defer c.Close()
	s, err := c.Connect(ctx, "/", nil)
	require.NoError(b, err)
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		if _, err := s.EmitWithAck(ctx, "message-with-ack", "ping", 1); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// reportCPU reports this process's CPU time per operation: the client's own
// cost, apart from the server's and from scheduling delays in ns/op.
func reportCPU(b *testing.B, start time.Duration) {
	if end := processCPU(); end > 0 {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkEmit measures a fire-and-forget event write. Every 64th event is
// acked so that the backlog stays small: a flood would queue the pongs behind
// it and the echo server (pingTimeout 200 ms) would drop the connection.
func BenchmarkEmit(b *testing.B) {
	ctx := context.Background()
	c, err := Dial(ctx, echoServer(b), nil)
	require.NoError(b, err)
	defer c.Close()
	s, err := c.Connect(ctx, "/", nil)
	require.NoError(b, err)
	b.ReportAllocs()
	cpu := processCPU()
	i := 0
	for b.Loop() {
		i++
		if i%64 == 0 {
			_, err = s.EmitWithAck(ctx, "message-with-ack")
		} else {
			// An event without a handler: the server answers nothing.
			err = s.Emit(ctx, "no-handler", "bench")
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkIdleConnMemory holds idleConns websocket connections to the Node
// echo server, each joined to "/" with one acked event each way and several
// pings behind it, and reports what one costs in this process: Go heap,
// goroutine stacks, and RSS (kernel socket buffers, about 4.7 KB per socket on
// loopback, come on top). It ignores b.N: run it with -benchtime 1x.
func BenchmarkIdleConnMemory(b *testing.B) {
	const idleConns = 2000
	url := echoServer(b)
	for range b.N {
		CloseIdleConnections()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		rssBefore := rss()

		conns := dialMany(b, url, idleConns)
		time.Sleep(time.Second) // three pings at pingInterval 300 ms
		// Each GC may halve a stack that uses less than a quarter of it.
		for range 4 {
			runtime.GC()
		}
		runtime.ReadMemStats(&after)
		rssAfter := rss()

		heap := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / idleConns
		stack := float64(int64(after.StackInuse)-int64(before.StackInuse)) / idleConns
		b.ReportMetric(heap+stack, "B/conn")
		b.ReportMetric(heap, "heap-B/conn")
		b.ReportMetric(stack, "stack-B/conn")
		if rssBefore > 0 && rssAfter > 0 {
			b.ReportMetric(float64(rssAfter-rssBefore)/idleConns, "rss-B/conn")
		}
		for _, c := range conns {
			require.NoError(b, c.Err())
		}
		closeAll(conns)
	}
}

// dialMany opens n connections with a few dials in flight, each connected to
// "/" with one acked event.
func dialMany(b *testing.B, url string, n int) []*Conn {
	conns := make([]*Conn, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range next {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				c, err := Dial(ctx, url, nil)
				if err == nil {
					var s *Socket
					if s, err = c.Connect(ctx, "/", nil); err == nil {
						_, err = s.EmitWithAck(ctx, "message-with-ack", "hello")
					}
				}
				cancel()
				if err != nil {
					b.Error(err)
				}
				conns[i] = c
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if b.Failed() {
		closeAll(conns)
		b.FailNow()
	}
	return conns
}

func closeAll(conns []*Conn) {
	var wg sync.WaitGroup
	for _, c := range conns {
		if c != nil {
			wg.Go(func() { _ = c.Close() })
		}
	}
	wg.Wait()
}

// rss returns the resident set size of this process in bytes, or 0.
func rss() int64 {
	v, _ := procstat.RSS()
	return v
}
