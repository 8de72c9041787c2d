package protocol_test

import (
	"bytes"
	"testing"

	"github.com/stampede-sio/stampede/internal/protocol/engineio"
	"github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// The benchmarks here run both codecs together, the way a connection's read
// and write loops do: a Socket.IO packet inside an Engine.IO message.

// typicalEvent is an open-webui `events` push (CHAT-1) on the wire.
const typicalEvent = `42["events",{"chat_id":"6f1c2a9e-8d4b-4f7a-9c3e-2b5d7a1f0e84","message_id":"b3e9d2c1-7a6f-4e8d-9b2c-1f0a3e5d7c96","data":{"type":"chat:completion","data":{"content":"hello world"}}}]`

func typicalPacket(b *testing.B) socketio.Packet {
	ep, err := engineio.DecodeText([]byte(typicalEvent))
	if err != nil {
		b.Fatal(err)
	}
	p, err := socketio.Decode(ep.Data)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkEncodeEvent: the write loop's work for one event frame.
func BenchmarkEncodeEvent(b *testing.B) {
	p := typicalPacket(b)
	sbuf := make([]byte, 0, 512)
	wbuf := make([]byte, 0, 512)
	b.ReportAllocs()
	b.SetBytes(int64(len(typicalEvent)))
	for b.Loop() {
		sbuf = socketio.Append(sbuf[:0], p)
		wbuf = engineio.AppendText(wbuf[:0], engineio.Packet{Type: engineio.Message, Data: sbuf})
	}
	if string(wbuf) != typicalEvent {
		b.Fatalf("encoded %s", wbuf)
	}
}

// BenchmarkDecodeEvent: the read loop's work for one event frame, through
// the connection's Decoder, up to the event name and raw arguments.
func BenchmarkDecodeEvent(b *testing.B) {
	wire := []byte(typicalEvent)
	var d socketio.Decoder
	b.ReportAllocs()
	b.SetBytes(int64(len(wire)))
	for b.Loop() {
		ep, err := engineio.DecodeText(wire)
		if err != nil {
			b.Fatal(err)
		}
		msg, ok, err := d.DecodeText(ep.Data)
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
		if _, _, err := socketio.SplitEvent(msg.Data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeBinaryEvent: a BINARY_EVENT frame and its 1 KiB attachment
// frame on websocket, reassembled and reconstructed (EIO-11, SIO-5).
func BenchmarkDecodeBinaryEvent(b *testing.B) {
	text := []byte(`451-["upload",{"name":"a.bin","file":{"_placeholder":true,"num":0}}]`)
	att := bytes.Repeat([]byte{0xab}, 1024)
	var d socketio.Decoder
	b.ReportAllocs()
	b.SetBytes(int64(len(text) + len(att)))
	for b.Loop() {
		ep, err := engineio.DecodeText(text)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := d.DecodeText(ep.Data); err != nil {
			b.Fatal(err)
		}
		msg, ok, err := d.DecodeBinary(engineio.DecodeBinary(att).Data)
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
		if _, err := socketio.Reconstruct(msg.Data, msg.Attachments); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPollingPayload10: ten event packets as one polling body (EIO-8).
func BenchmarkPollingPayload10(b *testing.B) {
	p := typicalPacket(b)
	pkts := make([]engineio.Packet, 10)
	for i := range pkts {
		pkts[i] = engineio.Packet{Type: engineio.Message, Data: socketio.Encode(p)}
	}
	body := engineio.AppendPayload(nil, pkts)

	b.Run("encode", func(b *testing.B) {
		buf := make([]byte, 0, 4096)
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			buf = engineio.AppendPayload(buf[:0], pkts)
		}
	})
	b.Run("decode", func(b *testing.B) {
		var d socketio.Decoder
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			got, err := engineio.DecodePayload(body)
			if err != nil {
				b.Fatal(err)
			}
			for _, ep := range got {
				if _, _, err := d.DecodeText(ep.Data); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
