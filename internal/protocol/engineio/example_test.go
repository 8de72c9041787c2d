package engineio_test

import (
	"fmt"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
)

// A long-polling GET body holds several packets joined by \x1e; binary
// messages travel as "b" + base64 (EIO-8, EIO-11).
func ExampleDecodePayload() {
	pkts, err := engineio.DecodePayload([]byte("2\x1e42[\"hi\"]\x1ebAQID"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range pkts {
		fmt.Printf("%s binary=%t %q\n", p.Type, p.Binary, p.Data)
	}
	// Output:
	// ping binary=false ""
	// message binary=false "2[\"hi\"]"
	// message binary=true "\x01\x02\x03"
}

// A client reads the session parameters from the OPEN packet (EIO-4).
func ExampleParseOpen() {
	p, _ := engineio.DecodeText([]byte(`0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`))
	info, err := engineio.ParseOpen(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.SID, info.PingInterval, info.PingTimeout, info.MaxPayload)
	// Output: abc 25000 20000 1000000
}

// A server answers a bad handshake with Node's status and body (EIO-2).
func ExampleErrorCode() {
	code := engineio.UnsupportedProtocolVersion
	fmt.Println(code.HTTPStatus(), string(code.Body()))
	// Output: 400 {"code":5,"message":"Unsupported protocol version"}
}

// AppendPayload builds a polling body into a reusable buffer.
func ExampleAppendPayload() {
	body := engineio.AppendPayload(nil, []engineio.Packet{
		{Type: engineio.Message, Data: []byte(`2["hi"]`)},
		engineio.DecodeBinary([]byte{1, 2, 3}),
	})
	fmt.Printf("%q\n", body)
	// Output: "42[\"hi\"]\x1ebAQID"
}
