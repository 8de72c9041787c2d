package refserver

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
	"github.com/stampede-sio/stampede/refserver/engine"
	"github.com/stampede-sio/stampede/refserver/sio"
)

// labAuthGap is how long the lab's echo namespaces wait between the CONNECT
// reply and the `auth` event (ECHO-2). Node's socket.io writes the second
// packet only once the first write has completed, a turn of its event loop
// later; written back to back, both can reach a client in one read, and a
// client that registers one listener per message (socket.io's official test
// suite does) misses the second. The gap is taken on the session's own
// handling, so nothing the client sends meanwhile is answered before `auth`.
const labAuthGap = 5 * time.Millisecond

// echoNamespace serves the echo contract (ECHO-2 … ECHO-7) on name, plus two
// refserver extras for client tests: `server-disconnect` (the server sends
// DISCONNECT) and `drop-transport` (the server drops the connection).
// authGap delays the `auth` event after the CONNECT reply (labAuthGap in
// lab mode, else none).
// noAuth is the auth data of a socket that sent none: one boxed value for
// all of them.
var noAuth any = json.RawMessage(`{}`)

func echoNamespace(name string, srv func() *sio.Server, authGap time.Duration) *sio.Namespace {
	return &sio.Namespace{
		Name: name,
		Authorize: func(s *sio.Socket, auth json.RawMessage) error {
			if auth == nil {
				s.SetData(noAuth)
				return nil
			}
			// A copy: auth aliases the buffer the whole message was read
			// into, which it would keep for the life of the socket.
			s.SetData(json.RawMessage(bytes.Clone(auth)))
			return nil
		},
		Connected: func(s *sio.Socket) { // ECHO-2
			if authGap > 0 {
				time.Sleep(authGap)
			}
			s.EmitRaw(socketio.EventData("auth", socketio.JoinArgs([]json.RawMessage{s.Data().(json.RawMessage)})), nil)
		},
		Events: map[string]sio.EventHandler{
			"message": func(s *sio.Socket, ev *sio.Event) { // ECHO-3
				s.EmitRaw(socketio.EventData("message-back", ev.Args), ev.Attachments)
			},
			"message-with-ack": func(_ *sio.Socket, ev *sio.Event) { // ECHO-4
				ev.AckRaw(ev.Args, ev.Attachments)
			},
			"join": func(s *sio.Socket, ev *sio.Event) { // ECHO-7
				if room, ok := firstString(ev.Args); ok {
					s.Join(room)
					ev.Ack("joined")
				}
			},
			"shout": func(s *sio.Socket, ev *sio.Event) { // ECHO-7
				args, err := socketio.Args(ev.Args)
				if err != nil || len(args) < 2 {
					return
				}
				room, ok := firstString(ev.Args)
				if !ok {
					return
				}
				payload := socketio.EventData("shouted", socketio.JoinArgs(args[1:2]))
				srv().EmitRaw(sio.Broadcast{Namespace: s.Namespace(), Rooms: []string{room}}, payload, ev.Attachments)
			},
			"server-disconnect": func(s *sio.Socket, _ *sio.Event) { s.Disconnect() },
			"drop-transport":    func(s *sio.Socket, _ *sio.Event) { s.DropTransport() },
		},
	}
}

func firstString(args json.RawMessage) (string, bool) {
	var v []json.RawMessage
	if json.Unmarshal(args, &v) != nil || len(v) == 0 {
		return "", false
	}
	var s string
	if json.Unmarshal(v[0], &s) != nil {
		return "", false
	}
	return s, true
}

// rawEcho is ECHO-1: every message packet goes back unchanged.
type rawEcho struct{}

func (rawEcho) OnMessage(s *engine.Session, p engineio.Packet) {
	s.Reply(engine.PacketFrame(p))
}

func (rawEcho) OnClose(*engine.Session, error) {}
