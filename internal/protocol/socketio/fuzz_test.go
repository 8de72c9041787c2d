package socketio_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"

	sio "github.com/stampede-sio/stampede/internal/protocol/socketio"
)

// packetSeeds are the Socket.IO packets of PROTOCOL.md section 2 (without the
// Engine.IO type byte) plus the malformed shapes SIO-6 names.
var packetSeeds = []string{
	`0`, `0{"token":"x"}`, `0{"sid":"abc"}`, `0/custom,`, `0/custom,{"token":"x"}`,
	`1`, `1/nsp,`, `2["ev",1]`, `2/nsp,12["ev"]`, `312[1,2]`, `3/nsp,7[]`,
	`4/nsp,{"message":"Invalid namespace"}`, `4/nsp,"Unable to connect"`,
	`51-["name",{"_placeholder":true,"num":0}]`, `61-/nsp,3[{"_placeholder":true,"num":0}]`,
	`52-/up,9["f",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`,
	`2["ev"`, `2[1]`, `2{"ev":1}`, `1{}`, `0[]`, `51["ev"]`, `5999999-["ev"]`,
	`21234567890123456["ev"]`, `2/nsp["ev"]`, `7`, `x`, ``,
}

// FuzzDecode checks that Decode never panics, that its errors wrap
// ErrMalformed (SIO-6), and that decode(encode(decode(x))) == decode(x).
func FuzzDecode(f *testing.F) {
	for _, s := range packetSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := sio.Decode(in)
		if err != nil {
			if !errors.Is(err, sio.ErrMalformed) {
				t.Fatalf("Decode(%q) error %v does not wrap ErrMalformed", in, err)
			}
			return
		}
		if p.Type > sio.BinaryAck || p.Namespace == "" || p.ID < sio.NoID || p.Attachments < 0 {
			t.Fatalf("Decode(%q) = %+v: impossible packet", in, p)
		}
		if p.Data != nil && !json.Valid(p.Data) {
			t.Fatalf("Decode(%q) accepted invalid JSON %q", in, p.Data)
		}
		wire := sio.Append(nil, p)
		again, err := sio.Decode(wire)
		if err != nil {
			t.Fatalf("Decode(Append(%+v)) = %q: %v", p, wire, err)
		}
		if !reflect.DeepEqual(p, again) {
			t.Fatalf("round trip of %q via %q: got %+v, want %+v", in, wire, again, p)
		}
	})
}

// FuzzDecoder feeds a Decoder a stream of text and binary messages (SIO-5,
// SIO-6). The stream is the fuzz input split on \x1e; bit i%64 of kinds
// makes message i binary.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte(`2["ev",1]`), uint64(0))
	f.Add([]byte("51-[\"name\",{\"_placeholder\":true,\"num\":0}]\x1e\x01\x02"), uint64(0b10))
	f.Add([]byte("62-/nsp,3[{\"_placeholder\":true,\"num\":1},{\"_placeholder\":true,\"num\":0}]\x1ea\x1eb\x1e2[\"x\"]"), uint64(0b0110))
	f.Add([]byte("51-[\"name\",{\"_placeholder\":true,\"num\":0}]\x1e2[\"ev\"]\x1ez"), uint64(0b100))
	f.Add([]byte("51-[\"name\",{\"_placeholder\":true,\"num\":3}]\x1ea"), uint64(0b10))
	f.Add([]byte("\x00\x01"), uint64(1))
	f.Fuzz(func(t *testing.T, stream []byte, kinds uint64) {
		var d sio.Decoder
		for i, chunk := range bytes.Split(stream, []byte{0x1e}) {
			var (
				msg sio.Message
				ok  bool
				err error
			)
			binary := kinds&(1<<(i%64)) != 0
			if binary {
				msg, ok, err = d.DecodeBinary(chunk)
			} else {
				msg, ok, err = d.DecodeText(chunk)
			}
			if d.Awaiting() < 0 {
				t.Fatalf("message %d: Awaiting() = %d", i, d.Awaiting())
			}
			if err != nil {
				if !errors.Is(err, sio.ErrMalformed) {
					t.Fatalf("message %d (binary %t) %q: error %v does not wrap ErrMalformed", i, binary, chunk, err)
				}
				if ok || d.Awaiting() != 0 {
					t.Fatalf("message %d: error %v left ok=%t, Awaiting()=%d", i, err, ok, d.Awaiting())
				}
				continue
			}
			if !ok {
				if d.Awaiting() == 0 {
					t.Fatalf("message %d: not ok, but nothing awaited", i)
				}
				continue
			}
			if d.Awaiting() != 0 {
				t.Fatalf("message %d: delivered while still awaiting %d", i, d.Awaiting())
			}
			if len(msg.Attachments) != msg.Packet.Attachments {
				t.Fatalf("message %d: %d attachments, header announced %d", i, len(msg.Attachments), msg.Packet.Attachments)
			}
			if _, err := sio.Reconstruct(msg.Data, msg.Attachments); err != nil && !errors.Is(err, sio.ErrMalformed) {
				t.Fatalf("message %d: Reconstruct error %v does not wrap ErrMalformed", i, err)
			}
		}
	})
}

// FuzzReconstruct checks that Reconstruct never panics and that
// Reconstruct(Deconstruct(v)) == v for every value it returns (SIO-5).
func FuzzReconstruct(f *testing.F) {
	f.Add([]byte(`["name",{"_placeholder":true,"num":0}]`), uint8(1))
	f.Add([]byte(`[{"_placeholder":true,"num":1},{"a":[{"_placeholder":true,"num":0}]}]`), uint8(2))
	f.Add([]byte(`["n",{"_placeholder":true,"num":1}]`), uint8(1))
	f.Add([]byte(`["n",{"_placeholder":true,"num":1e300}]`), uint8(1))
	f.Add([]byte(`["n",{"_placeholder":true,"num":-0}]`), uint8(1))
	f.Add([]byte(`{"_placeholder":false,"num":0}`), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, n uint8) {
		atts := make([][]byte, n%8)
		for i := range atts {
			atts[i] = []byte{byte(i), 0xff}
		}
		v, err := sio.Reconstruct(data, atts)
		if err != nil {
			if !errors.Is(err, sio.ErrMalformed) {
				t.Fatalf("Reconstruct(%q) error %v does not wrap ErrMalformed", data, err)
			}
			return
		}
		data2, atts2, err := sio.Deconstruct(v)
		if err != nil {
			t.Fatalf("Deconstruct(Reconstruct(%q)): %v", data, err)
		}
		v2, err := sio.Reconstruct(data2, atts2)
		if err != nil {
			t.Fatalf("Reconstruct(Deconstruct(Reconstruct(%q))) via %s: %v", data, data2, err)
		}
		if !reflect.DeepEqual(v, v2) {
			t.Fatalf("round trip of %q via %s: got %#v, want %#v", data, data2, v2, v)
		}
	})
}

// FuzzSplitEvent checks that SplitEvent never panics, and that EventData
// undoes it: same name, same raw arguments (SIO-1, SIO-6).
func FuzzSplitEvent(f *testing.F) {
	for _, s := range []string{
		`["ev",1]`, `["ev"]`, `["ünïcødé 🚀",{"a":1},[2]]`, `["a\"b\\c\u00e9"]`, ` [ "ev" , 1 ] `,
		`["events",{"chat_id":"c","data":{"type":"chat:completion","data":{"content":"hello world"}}}]`,
		`[]`, `[1]`, `{}`, `["ev",]`, `["\ud800"]`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		name, args, err := sio.SplitEvent(data)
		refName, refArgs, refOK := splitReference(data)
		if (err == nil) != refOK {
			t.Fatalf("SplitEvent(%q) error %v, reference ok=%t", data, err, refOK)
		}
		// Decode validates an EVENT the same way (SIO-6), as long as the
		// payload cannot be read as a namespace or an ack id.
		if len(data) == 0 || data[0] == '[' || data[0] == ' ' {
			_, derr := sio.Decode(append([]byte{'2'}, data...))
			if (derr == nil) != refOK {
				t.Fatalf("Decode(2%s) error %v, reference ok=%t", data, derr, refOK)
			}
		}
		if err != nil {
			if !errors.Is(err, sio.ErrMalformed) {
				t.Fatalf("SplitEvent(%q) error %v does not wrap ErrMalformed", data, err)
			}
			return
		}
		if name != refName || !bytes.Equal(args, refArgs) {
			t.Fatalf("SplitEvent(%q) = %q %q, reference %q %q", data, name, args, refName, refArgs)
		}
		if !json.Valid(args) {
			t.Fatalf("SplitEvent(%q) args %q are not JSON", data, args)
		}
		if n, err := sio.EventName(data); err != nil || n != name {
			t.Fatalf("EventName(%q) = %q, %v; SplitEvent said %q", data, n, err, name)
		}
		joined := sio.EventData(name, args)
		name2, args2, err := sio.SplitEvent(joined)
		if err != nil {
			t.Fatalf("SplitEvent(EventData(%q, %q)) = SplitEvent(%q): %v", name, args, joined, err)
		}
		if name2 != name || !bytes.Equal(args2, args) {
			t.Fatalf("round trip of %q via %q: got %q %q, want %q %q", data, joined, name2, args2, name, args)
		}
		parts, err := sio.Args(args)
		if err != nil {
			t.Fatalf("Args(%q): %v", args, err)
		}
		if got := sio.JoinArgs(parts); !bytes.Equal(got, args) {
			t.Fatalf("JoinArgs(Args(%q)) = %q", args, got)
		}
	})
}

// splitReference is SplitEvent spelled the slow, obvious way with
// encoding/json, to hold its fast path to.
func splitReference(data []byte) (string, json.RawMessage, bool) {
	var elems []json.RawMessage
	if err := json.Unmarshal(data, &elems); err != nil || elems == nil || len(elems) == 0 {
		return "", nil, false
	}
	var name string
	if len(elems[0]) == 0 || elems[0][0] != '"' || json.Unmarshal(elems[0], &name) != nil {
		return "", nil, false
	}
	return name, sio.JoinArgs(elems[1:]), true
}

// FuzzArgs holds Args to encoding/json: on valid JSON it finds the elements
// json.Unmarshal into []json.RawMessage finds, and it refuses what
// encoding/json refuses.
func FuzzArgs(f *testing.F) {
	for _, s := range []string{`[]`, ` [ ] `, `[1]`, `["a,b",{"c":[1,2]},null]`, ` [ "x\"]" , [[]] ,{} ] `,
		`["\\",1]`, `[1,`, `[1]]`, `{"a":1}`, `["é",-1e3,true]`, "[\t1\n,\r2 ]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want []json.RawMessage
		werr := json.Unmarshal(data, &want)
		got, err := sio.Args(data)
		if werr != nil || want == nil {
			if err == nil {
				t.Fatalf("Args(%q) = %q, want an error (encoding/json: %v)", data, got, werr)
			}
			if !errors.Is(err, sio.ErrMalformed) {
				t.Fatalf("Args(%q) error %v does not wrap ErrMalformed", data, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Args(%q): %v, want %q", data, err, want)
		}
		if len(got) != len(want) {
			t.Fatalf("Args(%q) = %q, want %q", data, got, want)
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("Args(%q)[%d] = %q, want %q", data, i, got[i], want[i])
			}
		}
		var small [2]json.RawMessage
		if appended, err := sio.AppendArgs(small[:1], data); err != nil || !reflect.DeepEqual(appended[1:], got) {
			t.Fatalf("AppendArgs(%q) = %q (%v), want %q after the first", data, appended, err, got)
		}
	})
}

// FuzzAppendEvent holds AppendEvent to json.Marshal of the whole payload:
// the same bytes for Go values and for compact raw arguments.
func FuzzAppendEvent(f *testing.F) {
	f.Add("message", "hello", 1.5, int64(1), true, []byte(`{"a":[1,"x"]}`))
	f.Add("a<b>\"c\"", "\u2028<&>", math.Copysign(0, -1), int64(math.MinInt64), false, []byte(`null`))
	f.Add("é", "\xff", 1e300, int64(-7), true, []byte(`"s"`))
	f.Fuzz(func(t *testing.T, name, s string, n float64, i int64, b bool, raw []byte) {
		var v any
		if json.Unmarshal(raw, &v) != nil {
			return
		}
		compacted, err := json.Marshal(json.RawMessage(raw))
		if err != nil {
			t.Fatal(err)
		}
		args := []any{s, n, map[string]any{"k": s}, json.RawMessage(compacted), i, int(i), b}
		want, werr := json.Marshal(append([]any{name}, args...))
		got, err := sio.AppendEvent([]byte("prefix"), name, args...)
		if werr != nil {
			if !errors.Is(err, sio.ErrMalformed) {
				t.Fatalf("AppendEvent(%q, %v): %v, want ErrMalformed (json: %v)", name, args, err, werr)
			}
			return
		}
		if err != nil || string(got) != "prefix"+string(want) {
			t.Fatalf("AppendEvent(%q, %v) = %q, %v; want prefix%q", name, args, got, err, want)
		}
	})
}

// FuzzValidEvent: what Decode accepts as an EVENT, ValidEvent and ValidArgs
// split as SplitEvent and Args do, without checking the JSON again (SIO-6);
// on anything else they never panic.
func FuzzValidEvent(f *testing.F) {
	for _, s := range []string{`["ev",1]`, `["ev"]`, ` [ "ev" , 1 ] `, `["a\"b\\c\u00e9",{"x":[1,"]"]}]`,
		`["\ud800"]`, "[\"\xff\"]", `[`, `["e",`, `[1]`, `{}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		name, args, verr := sio.ValidEvent(data, "ev")
		all, aerr := sio.ValidArgs(data)
		p, err := sio.Decode(append([]byte{'2'}, data...))
		if err != nil || p.Type != sio.Event || p.Namespace != "/" || p.ID != sio.NoID {
			return // not an EVENT payload Decode accepts: nothing is promised
		}
		if verr != nil || aerr != nil {
			t.Fatalf("ValidEvent(%q): %v, ValidArgs: %v; Decode accepted it", data, verr, aerr)
		}
		wantName, wantArgs, err := sio.SplitEvent(p.Data)
		if err != nil || name != wantName || !bytes.Equal(sio.JoinArgs(args), wantArgs) {
			t.Fatalf("ValidEvent(%q) = %q %q, SplitEvent %q %q (%v)", data, name, args, wantName, wantArgs, err)
		}
		if want, _ := sio.Args(p.Data); !reflect.DeepEqual(all, want) {
			t.Fatalf("ValidArgs(%q) = %q, Args %q", data, all, want)
		}
	})
}
