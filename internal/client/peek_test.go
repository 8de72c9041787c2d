package client

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPeekName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in         string
		name, rest string
		ok         bool
	}{
		{`"ev",1]`, "ev", ",1]", true},
		{`"ev"]`, "ev", "]", true},
		{`"e\"v",1]`, "", "", false}, // escapes: the full path
		{`"ev" ,1]`, "", "", false},
		{`1,2]`, "", "", false},
		{`"ev`, "", "", false},
	}
	for _, tt := range tests {
		name, rest, ok := peekName([]byte(tt.in))
		assert.Equal(t, tt.ok, ok, "peekName(%s) ok", tt.in)
		assert.Equal(t, tt.name, string(name), "peekName(%s) name", tt.in)
		assert.Equal(t, tt.rest, string(rest), "peekName(%s) rest", tt.in)
	}
}

func TestFirstArg(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rest, want string
		ok         bool
	}{
		{`]`, "", true},
		{`,1]`, "1", true},
		{`,{"a":[1,2],"b":"x,]"},2]`, `{"a":[1,2],"b":"x,]"}`, true},
		{`,"q\"]",3]`, `"q\"]"`, true},
		{`,[1,[2]]]`, `[1,[2]]`, true},
		{`,]`, "", false},
		{`,{"a":1`, "", false},
	}
	for _, tt := range tests {
		got, ok := firstArg([]byte(tt.rest))
		assert.Equal(t, tt.ok, ok, "firstArg(%s) ok", tt.rest)
		assert.Equal(t, tt.want, string(got), "firstArg(%s)", tt.rest)
	}
}

// OnEventPeek sees plain events before decoding and takes those it returns
// true for; declined ones, events with an ack id, and other namespaces reach
// OnAny decoded, all in order (issue 16).
func TestOnEventPeek(t *testing.T) {
	t.Parallel()
	url := wsServer(t, func(ws *websocket.Conn) {
		send(ws, `0{"sid":"fake","upgrades":[],"pingInterval":60000,"pingTimeout":60000,"maxPayload":1000000}`)
		answerConnect(ws)
		send(ws,
			`42["take",{"sent_ms":"17"},2]`,
			`42["keep",1]`,
			`427["take",3]`,  // wants an ack: never peeked
			`42["take"]`,     // no arguments
			`42["ta\"ke",4]`, // an escaped name: the full path
			`42["last",{"x":"]"}]`)
		_, _, _ = ws.ReadMessage() // the ack of 7
		_, _, _ = ws.ReadMessage() // until the client leaves
	})
	c, err := Dial(context.Background(), url, &Options{Transports: WebsocketOnly})
	require.NoError(t, err)
	defer c.Close()
	s := c.Socket("/")
	var mu sync.Mutex
	var got []string
	done := make(chan struct{})
	s.OnEventPeek(func(ev PeekedEvent) bool {
		mu.Lock()
		defer mu.Unlock()
		if string(ev.Name) == "keep" {
			return false
		}
		got = append(got, "peek "+string(ev.Name)+" "+string(ev.FirstArg))
		if string(ev.Name) == "last" {
			close(done)
		}
		return true
	})
	s.OnAny(func(ev Event) {
		mu.Lock()
		got = append(got, "any "+ev.Name)
		mu.Unlock()
		if ev.WantsAck() {
			_ = ev.Ack()
		}
	})
	require.NoError(t, s.Connect(context.Background(), nil))
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the last event never came")
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{
		`peek take {"sent_ms":"17"}`,
		"any keep",
		"any take",
		"peek take ",
		`any ta"ke`,
		`peek last {"x":"]"}`,
	}, got)
}
