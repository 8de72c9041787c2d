package socketio_test

import (
	"fmt"

	sio "github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// Decode parses one Socket.IO packet: the text of an Engine.IO message
// without its "4" (SIO-1).
func ExampleDecode() {
	p, err := sio.Decode([]byte(`2/chat,12["message",{"text":"hi"}]`))
	if err != nil {
		fmt.Println(err)
		return
	}
	name, args, _ := sio.SplitEvent(p.Data)
	fmt.Println(p.Type, p.Namespace, p.ID, name, string(args))
	// Output: EVENT /chat 12 message [{"text":"hi"}]
}

// Append writes a packet into a reusable buffer; here an ACK inside its
// Engine.IO message.
func ExampleAppend() {
	buf := []byte{'4'}
	buf = sio.Append(buf, sio.Packet{Type: sio.Ack, Namespace: "/chat", ID: 12, Data: []byte(`["ok"]`)})
	fmt.Println(string(buf))
	// Output: 43/chat,12["ok"]
}

// A Decoder reassembles a binary event from its text header and its
// attachments, which arrive as separate messages (SIO-5).
func ExampleDecoder() {
	var d sio.Decoder
	_, ok, _ := d.DecodeText([]byte(`51-["upload",{"_placeholder":true,"num":0}]`))
	fmt.Println(ok, d.Awaiting())

	msg, ok, _ := d.DecodeBinary([]byte{1, 2, 3})
	fmt.Println(ok, d.Awaiting())

	v, _ := sio.Reconstruct(msg.Data, msg.Attachments)
	fmt.Printf("%v\n", v)
	// Output:
	// false 1
	// true 0
	// [upload [1 2 3]]
}

// Deconstruct turns binary arguments into placeholders and attachments, to
// send as a BINARY_EVENT followed by one binary message each (SIO-5).
func ExampleDeconstruct() {
	data, atts, _ := sio.Deconstruct([]any{"upload", []byte{1, 2, 3}})
	fmt.Println(string(sio.Encode(sio.Packet{Type: sio.BinaryEvent, ID: sio.NoID, Attachments: len(atts), Data: data})))
	fmt.Println(atts)
	// Output:
	// 51-["upload",{"_placeholder":true,"num":0}]
	// [[1 2 3]]
}

// A malformed packet is an error wrapping ErrMalformed (SIO-6).
func ExampleErrMalformed() {
	_, err := sio.Decode([]byte(`2[1]`))
	fmt.Println(err)
	// Output: socketio: malformed packet: event name must be a string
}
