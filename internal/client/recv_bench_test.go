package client

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

// pushedEvent is an open-webui `events` push carrying sent_ms (CHAT-1), as
// the simulator's listen steps receive it.
const pushedEvent = `42["events",{"chat_id":"6f1c2a9e-8d4b-4f7a-9c3e-2b5d7a1f0e84","message_id":"b3e9d2c1","data":{"type":"typing","data":{"sent_ms":"1700000000123"}}}]`

// BenchmarkReceiveEvent is the receive path of a virtual client: a server
// pushes b.N events to one websocket client whose OnAny handler counts
// them. The server writes 64 pre-framed events per write, so that nearly
// all of cpu-ns/op (this process's CPU per event, getrusage) is the
// client's: read, Engine.IO and Socket.IO decoding, dispatch.
func BenchmarkReceiveEvent(b *testing.B) {
	benchReceive(b, func(s *Socket, count func()) {
		s.OnAny(func(Event) { count() })
	})
}

// benchReceive pushes b.N events to a client whose handler, set by listen,
// calls count for each.
func benchReceive(b *testing.B, listen func(s *Socket, count func())) {
	batch := make([]byte, 0, 64*len(pushedEvent)+64*4)
	for range 64 {
		batch = append(batch, serverFrame(0x81, []byte(pushedEvent))...)
	}
	push := make(chan int)
	url := wsServer(b, func(ws *websocket.Conn) {
		send(ws, `0{"sid":"fake","upgrades":[],"pingInterval":60000,"pingTimeout":60000,"maxPayload":1000000}`)
		answerConnect(ws)
		raw := ws.UnderlyingConn()
		for n := range push {
			for ; n >= 64; n -= 64 {
				_, _ = raw.Write(batch)
			}
			_, _ = raw.Write(batch[:n*len(batch)/64])
		}
	})
	ctx := context.Background()
	c, err := Dial(ctx, url, &Options{Transports: WebsocketOnly})
	require.NoError(b, err)
	defer c.Close()
	s := c.Socket("/")
	var got atomic.Int64
	done := make(chan struct{}, 1)
	want := int64(0)
	listen(s, func() {
		if got.Add(1) == atomic.LoadInt64(&want) {
			done <- struct{}{}
		}
	})
	require.NoError(b, s.Connect(ctx, nil))
	receive := func(n int) {
		atomic.AddInt64(&want, int64(n))
		push <- n
		<-done
	}
	receive(1000) // warm up: pools, the read buffer
	defer close(push)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	receive(b.N)
	b.StopTimer()
	reportCPU(b, cpu)
}

// BenchmarkReceiveEventPeek is BenchmarkReceiveEvent with the events taken
// by OnEventPeek on the read goroutine, as the simulator takes events that
// nothing waits for: no decoding, no hand-off to a pooled goroutine
// (issue 16).
func BenchmarkReceiveEventPeek(b *testing.B) {
	benchReceive(b, func(s *Socket, count func()) {
		s.OnEventPeek(func(PeekedEvent) bool { count(); return true })
	})
}
