package socketio_test

// The misbehaviours, one per broken requirement, built on the mangler.

import (
	"encoding/base64"
	"encoding/json"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// downSIO rewrites the Socket.IO messages going to the client.
func downSIO(fn func(s *session, m msg) []msg) fault {
	return fault{sio: func(s *session, d dir, m msg) []msg {
		if d == down {
			return fn(s, m)
		}
		return []msg{m}
	}}
}

// upSIO rewrites the Socket.IO messages going to the server.
func upSIO(fn func(s *session, m msg) []msg) fault {
	return fault{sio: func(s *session, d dir, m msg) []msg {
		if d == up {
			return fn(s, m)
		}
		return []msg{m}
	}}
}

// engineDown rewrites the packets the raw Engine.IO echo sends.
func engineDown(fn func(p engineio.Packet) []engineio.Packet) fault {
	return fault{eng: func(s *session, d dir, p engineio.Packet) []engineio.Packet {
		if d == down && !s.sio {
			return fn(p)
		}
		return []engineio.Packet{p}
	}}
}

// eventName is the name of an EVENT or BINARY_EVENT, else "".
func eventName(m msg) string {
	if m.Type != socketio.Event && m.Type != socketio.BinaryEvent {
		return ""
	}
	name, _ := socketio.EventName(m.Data)
	return name
}

// firstOnly keeps the first of a JSON array's elements.
func firstOnly(data json.RawMessage) json.RawMessage {
	args, err := socketio.Args(data)
	if err != nil || len(args) == 0 {
		return data
	}
	return socketio.JoinArgs(args[:1])
}

func isAck(m msg) bool { return m.Type == socketio.Ack || m.Type == socketio.BinaryAck }

var (
	// elsewhere: events and acks go out on a namespace nobody joined.
	elsewhere = downSIO(func(_ *session, m msg) []msg {
		if m.Type != socketio.Connect && m.Type != socketio.ConnectError {
			m = changed(m)
			m.Namespace = "/stampede-elsewhere"
		}
		return []msg{m}
	})

	// binaryInlined: binary events and acks go as text, each attachment
	// inlined as Node's Buffer.toJSON would write it.
	binaryInlined = downSIO(func(_ *session, m msg) []msg {
		if !m.Type.IsBinary() {
			return []msg{m}
		}
		v, err := socketio.Reconstruct(m.Data, m.Attachments)
		if err != nil {
			return []msg{m}
		}
		m = changed(m)
		m.Data, _ = json.Marshal(asBuffers(v))
		m.Type -= socketio.BinaryEvent - socketio.Event // 5 → 2, 6 → 3
		m.Attachments = nil
		return []msg{m}
	})

	// engineSIDs: the CONNECT reply carries the Engine.IO sid.
	engineSIDs = rewriteSID(func(s *session) string { return s.sid })
	// sameSID: every CONNECT reply carries the same sid.
	sameSID = rewriteSID(func(*session) string { return "stampede-same-sid" })

	// acceptAnyNamespace: CONNECT_ERROR becomes a CONNECT reply.
	acceptAnyNamespace = downSIO(func(_ *session, m msg) []msg {
		if m.Type == socketio.ConnectError {
			m = changed(m)
			m.Type, m.Data = socketio.Connect, json.RawMessage(`{"sid":"stampede-fake-sid"}`)
		}
		return []msg{m}
	})

	// closeAfterConnectError: the session is closed after a CONNECT_ERROR.
	closeAfterConnectError = downSIO(func(_ *session, m msg) []msg {
		if m.Type == socketio.ConnectError {
			return []msg{m, rawMsg(closePacket)}
		}
		return []msg{m}
	})

	// spacedConnectError: CONNECT_ERROR with JSON that is not compact.
	spacedConnectError = downSIO(func(_ *session, m msg) []msg {
		if m.Type == socketio.ConnectError {
			return []msg{rawMsg(engineio.Packet{Type: engineio.Message,
				Data: []byte("4" + m.Namespace + `,{"message": "Invalid namespace"}`)})}
		}
		return []msg{m}
	})

	// duplicateAcks: every ACK is sent twice.
	duplicateAcks = downSIO(func(_ *session, m msg) []msg {
		if isAck(m) {
			return []msg{m, m}
		}
		return []msg{m}
	})

	// shiftAckIDs: every ACK answers the next id.
	shiftAckIDs = downSIO(func(_ *session, m msg) []msg {
		if isAck(m) {
			m = changed(m)
			m.ID++
		}
		return []msg{m}
	})

	// unknownAcked: the server takes the unknown event for message-with-ack.
	unknownAcked = upSIO(func(_ *session, m msg) []msg {
		if eventName(m) == "stampede-unknown-event" {
			_, args, _ := socketio.SplitEvent(m.Data)
			m = changed(m)
			m.Data = socketio.EventData("message-with-ack", args)
		}
		return []msg{m}
	})

	// flipBinary: the server's handler gets the first attachment's first
	// byte inverted.
	flipBinary = upSIO(func(_ *session, m msg) []msg {
		if m.Type.IsBinary() && len(m.Attachments) > 0 && len(m.Attachments[0]) > 0 {
			m = changed(m)
			a := append([][]byte(nil), m.Attachments...)
			a[0] = append([]byte{^a[0][0]}, a[0][1:]...)
			m.Attachments = a
		}
		return []msg{m}
	})

	// swapAttachments: the first two attachments go out in the wrong order.
	swapAttachments = downSIO(func(_ *session, m msg) []msg {
		if m.Type.IsBinary() && len(m.Attachments) >= 2 {
			m = changed(m)
			a := append([][]byte(nil), m.Attachments...)
			a[0], a[1] = a[1], a[0]
			m.Attachments = a
		}
		return []msg{m}
	})

	// swallowMalformed: malformed packets never reach the server, which
	// therefore never closes (python's dropping, seen from outside).
	swallowMalformed = fault{bad: func(*session, []engineio.Packet) []engineio.Packet { return nil }}

	// killAllOnMalformed: one client's malformed packet closes everyone.
	killAllOnMalformed = fault{bad: func(s *session, _ []engineio.Packet) []engineio.Packet {
		s.m.each(s, (*session).closeClient)
		s.closeClient()
		return nil
	}}

	// dropClientDisconnect: the server never hears the client's `41`.
	dropClientDisconnect = upSIO(func(_ *session, m msg) []msg {
		if m.Type == socketio.Disconnect {
			return nil
		}
		return []msg{m}
	})

	// closeOnClientDisconnect: the client's `41` closes its connection.
	closeOnClientDisconnect = upSIO(func(s *session, m msg) []msg {
		if m.Type == socketio.Disconnect {
			s.closeClient()
		}
		return []msg{m}
	})

	// disconnectAsClose: a forced disconnect closes the Engine.IO session
	// instead of sending `41`.
	disconnectAsClose = downSIO(func(_ *session, m msg) []msg {
		if m.Type == socketio.Disconnect {
			return []msg{rawMsg(closePacket)}
		}
		return []msg{m}
	})

	// reorderMessageBack: message-back events go out in swapped pairs.
	reorderMessageBack = downSIO(func(s *session, m msg) []msg {
		if eventName(m) != "message-back" {
			return []msg{m}
		}
		if held, ok := s.vars["held"].(msg); ok {
			delete(s.vars, "held")
			return []msg{m, held}
		}
		s.vars["held"] = m
		return nil
	})

	// authBeforeConnect: the auth event overtakes the CONNECT reply.
	authBeforeConnect = downSIO(func(s *session, m msg) []msg {
		switch {
		case m.Type == socketio.Connect:
			s.vars["connect"] = m
			return nil
		case eventName(m) == "auth":
			if c, ok := s.vars["connect"].(msg); ok {
				delete(s.vars, "connect")
				return []msg{m, c}
			}
		}
		return []msg{m}
	})

	// authNull: the auth event carries null instead of the payload.
	authNull = downSIO(func(_ *session, m msg) []msg {
		if eventName(m) == "auth" {
			m = changed(m)
			m.Data = json.RawMessage(`["auth",null]`)
		}
		return []msg{m}
	})

	// truncateMessageBack: message-back keeps only the first argument.
	truncateMessageBack = downSIO(func(_ *session, m msg) []msg {
		if eventName(m) == "message-back" {
			if args, err := socketio.Args(m.Data); err == nil && len(args) > 2 {
				m = changed(m)
				m.Data = socketio.JoinArgs(args[:2]) // the name and the first argument
			}
		}
		return []msg{m}
	})

	// truncateAckArgs: an ACK keeps only its first argument.
	truncateAckArgs = downSIO(func(_ *session, m msg) []msg {
		if m.Type == socketio.Ack {
			m = changed(m)
			m.Data = firstOnly(m.Data)
		}
		return []msg{m}
	})

	// dropShouted: nobody receives shouted.
	dropShouted = downSIO(func(_ *session, m msg) []msg {
		if eventName(m) == "shouted" {
			return nil
		}
		return []msg{m}
	})

	// dropOwnShout: a connection that shouted no longer receives shouted.
	dropOwnShout = fault{sio: func(s *session, d dir, m msg) []msg {
		switch {
		case d == up && eventName(m) == "shout":
			s.vars["shouter"] = true
		case d == down && eventName(m) == "shouted" && s.vars["shouter"] == true:
			return nil
		}
		return []msg{m}
	}}

	// leakShouts: shouted reaches every other connection too.
	leakShouts = downSIO(func(s *session, m msg) []msg {
		if eventName(m) == "shouted" {
			s.m.each(s, func(x *session) { x.inject(m.packets()) })
		}
		return []msg{m}
	})

	// engineAlterText: the raw echo appends to text messages.
	engineAlterText = engineDown(func(p engineio.Packet) []engineio.Packet {
		if p.Type == engineio.Message && !p.Binary {
			p.Data = append(append([]byte(nil), p.Data...), '!')
		}
		return []engineio.Packet{p}
	})

	// engineBinaryAsText: the raw echo sends binary back as base64 text.
	engineBinaryAsText = engineDown(func(p engineio.Packet) []engineio.Packet {
		if p.Type == engineio.Message && p.Binary {
			p = engineio.Packet{Type: engineio.Message, Data: []byte(base64.StdEncoding.EncodeToString(p.Data))}
		}
		return []engineio.Packet{p}
	})

	// engineEarly: the raw echo greets before the first ping.
	engineEarly = engineDown(func(p engineio.Packet) []engineio.Packet {
		if p.Type == engineio.Open {
			return []engineio.Packet{p, {Type: engineio.Message, Data: []byte("stampede-early")}}
		}
		return []engineio.Packet{p}
	})
)

func rewriteSID(sid func(*session) string) fault {
	return downSIO(func(s *session, m msg) []msg {
		if m.Type == socketio.Connect {
			m = changed(m)
			m.Data, _ = json.Marshal(map[string]string{"sid": sid(s)})
		}
		return []msg{m}
	})
}

// asBuffers replaces every []byte in v with {"type":"Buffer","data":[…]}.
func asBuffers(v any) any {
	switch x := v.(type) {
	case []byte:
		data := make([]int, len(x))
		for i, b := range x {
			data[i] = int(b)
		}
		return map[string]any{"type": "Buffer", "data": data}
	case []any:
		for i := range x {
			x[i] = asBuffers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = asBuffers(x[k])
		}
	}
	return v
}
