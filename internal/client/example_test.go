package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/stampede-sio/stampede/internal/client"
	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// A virtual client: connect with a token, answer server calls, emit with an
// ack timeout. (Examples without output are compiled, not run: they need a
// server.)
func Example() {
	ctx := context.Background()
	conn, err := client.Dial(ctx, "http://127.0.0.1:8080", &client.Options{
		Path:       "/ws/socket.io/",
		Transports: client.WebsocketOnly,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	// Handlers go on before Connect, so that nothing sent right after the
	// CONNECT reply is missed. They run on the read goroutine: no blocking.
	s := conn.Socket("/")
	s.On("events", func(ev client.Event) {
		if ev.WantsAck() { // a server→client call (CHAT-2)
			_ = ev.Ack(map[string]any{"ok": true})
		}
	})
	if err := s.Connect(ctx, map[string]any{"token": "<jwt>"}); err != nil {
		var refused *client.ConnectError
		if errors.As(err, &refused) {
			log.Fatalf("refused: %s", refused.Message())
		}
		log.Fatal(err)
	}

	ackCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	reply, err := s.EmitWithAck(ackCtx, "user-join", map[string]any{"auth": map[string]any{"token": "<jwt>"}})
	if errors.Is(err, client.ErrAckTimeout) {
		log.Fatal("no ack within 5 s")
	}
	var user struct{ ID, Name string }
	if err := reply.Decode(&user); err != nil {
		log.Fatal(err)
	}
	fmt.Println("joined as", user.Name)
}

// Reconnection is the caller's (CLIENT-3): wait for the end, look at the
// reason (CLIENT-4), back off, and Dial and Connect again with the same auth.
func Example_reconnect() {
	ctx := context.Background()
	auth := map[string]any{"token": "<jwt>"}
	for attempt := 0; ; attempt++ {
		conn, err := client.Dial(ctx, "http://127.0.0.1:8080", nil)
		if err != nil {
			time.Sleep(time.Second) // CLIENT-3's backoff goes here
			continue
		}
		s, err := conn.Connect(ctx, "/", auth)
		if err != nil {
			_ = conn.Close()
			time.Sleep(time.Second)
			continue
		}
		attempt = 0
		<-s.Disconnected()
		_ = conn.Close()
		if s.Reason() == client.ReasonServerDisconnect {
			return // CLIENT-4: the server meant it
		}
	}
}

// The conformance suite's view: every packet both ways, raw writes, no
// automatic pong.
func ExampleOptions_conformance() {
	ctx := context.Background()
	conn, err := client.Dial(ctx, "http://127.0.0.1:8080", &client.Options{
		Transports:      client.PollingThenWebsocket,
		DisableAutoPong: true,
		OnRaw: func(dir client.Direction, p engineio.Packet) {
			fmt.Printf("%s %s\n", dir, engineio.AppendText(nil, p)) // copy p.Data to keep it
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	// A packet type outside 0–6 must close the session (EIO-15).
	_ = conn.SendRawText(ctx, []byte("9"))
	<-conn.Done()
	fmt.Println(conn.Err(), client.CloseCode(conn.Err()))
}
