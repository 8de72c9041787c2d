package socketio_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	sio "github.com/stampede-sio/stampede/internal/protocol/socketio"
)

func TestSplitEvent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		data string
		name string
		args string
	}{
		{"SIO-1", `["ev",1]`, "ev", `[1]`},
		{"SIO-1", `["ev"]`, "ev", `[]`},
		{"SIO-1", `["ev",[]]`, "ev", `[[]]`},
		{"SIO-1", `["",null]`, "", `[null]`},
		{"SIO-1", `["ünïcødé 🚀",{"a":1},[2,"x"]]`, "ünïcødé 🚀", `[{"a":1},[2,"x"]]`},
		{"SIO-1", `["a\"b\\c\u00e9\n",true]`, "a\"b\\cé\n", `[true]`},
		{"CHAT-1", `["events",{"chat_id":"c","data":{"type":"chat:completion","data":{"content":"hello world"}}}]`, "events", `[{"chat_id":"c","data":{"type":"chat:completion","data":{"content":"hello world"}}}]`},
		{"SIO-1", ` [ "ev" , 1 , "a b" ] `, "ev", `[1,"a b"]`},
	}
	for _, tc := range tests {
		t.Run(tc.id+" "+tc.data, func(t *testing.T) {
			t.Parallel()
			name, args, err := sio.SplitEvent(raw(tc.data))
			require.NoError(t, err)
			assert.Equal(t, tc.name, name)
			assert.Equal(t, tc.args, string(args))

			n, err := sio.EventName(raw(tc.data))
			require.NoError(t, err)
			assert.Equal(t, tc.name, n, "EventName")

			// EventData undoes SplitEvent: same name and arguments again.
			joined := sio.EventData(name, args)
			require.True(t, json.Valid(joined), "EventData(%q, %s) = %s is not JSON", name, args, joined)
			name2, args2, err := sio.SplitEvent(joined)
			require.NoError(t, err)
			assert.Equal(t, name, name2)
			assert.Equal(t, string(args), string(args2))
		})
	}
}

func TestSplitEventMalformed(t *testing.T) {
	t.Parallel()
	for _, data := range []string{
		``, `null`, `{}`, `"ev"`, `[]`, ` [ ] `, `[1]`, `[null,"ev"]`, `[["ev"]]`, `[{"ev":1}]`,
		`[`, `["ev",]`, `["ev"`, `["ev"]]`, `["ev"] x`, `["\ud800"`, "[\"a\x01\"]",
	} {
		t.Run("SIO-6 "+data, func(t *testing.T) {
			t.Parallel()
			name, args, err := sio.SplitEvent(raw(data))
			require.Error(t, err, "SplitEvent(%q) = %q, %s", data, name, args)
			assert.ErrorIs(t, err, sio.ErrMalformed)
			_, err = sio.EventName(raw(data))
			assert.ErrorIs(t, err, sio.ErrMalformed)
		})
	}
}

func TestEventData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args string
		want string
	}{
		{"ev", `[]`, `["ev"]`},
		{"ev", ``, `["ev"]`},
		{"ev", ` [ ] `, `["ev"]`},
		{"ev", `[1,{"a":2}]`, `["ev",1,{"a":2}]`},
		{"ev", ` [ 1 ] `, `["ev",1]`},
		{"ünï 🚀", `["x"]`, `["ünï 🚀","x"]`},
		{`q"<&>`, `[]`, `["q\"\u003c\u0026\u003e"]`},
		{"tab\t", `[]`, `["tab\t"]`},
		// Not an array: taken as the single argument.
		{"ev", `{"a":1}`, `["ev",{"a":1}]`},
		{"ev", `"x"`, `["ev","x"]`},
	}
	for _, tc := range tests {
		t.Run("SIO-1 "+tc.want, func(t *testing.T) {
			t.Parallel()
			got := sio.EventData(tc.name, raw(tc.args))
			assert.Equal(t, tc.want, string(got))
			name, err := sio.EventName(got)
			require.NoError(t, err)
			assert.Equal(t, tc.name, name)
		})
	}
}

func TestArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		data string
		want []string
	}{
		{`[]`, []string{}},
		{`[1]`, []string{`1`}},
		{`["a",{"b":[1,2]},null]`, []string{`"a"`, `{"b":[1,2]}`, `null`}},
		{` [ 1 , "x y" ] `, []string{`1`, `"x y"`}},
	}
	for _, tc := range tests {
		t.Run("SIO-1 "+tc.data, func(t *testing.T) {
			t.Parallel()
			args, err := sio.Args(raw(tc.data))
			require.NoError(t, err)
			got := make([]string, len(args))
			for i, a := range args {
				got[i] = string(a)
			}
			assert.Equal(t, tc.want, got)
		})
	}
	for _, data := range []string{``, `{}`, `1`, `"[]"`, `[`, `[1,]`} {
		_, err := sio.Args(raw(data))
		assert.ErrorIs(t, err, sio.ErrMalformed, "Args(%q)", data)
	}
}

// TestAppendArgs: AppendArgs keeps what dst holds and, when the elements
// fit in it, splits without allocating. Not parallel: AllocsPerRun.
func TestAppendArgs(t *testing.T) {
	var small [4]json.RawMessage
	dst := append(small[:0], raw(`0`))
	args, err := sio.AppendArgs(dst, raw(`["a",{"b":[1,2]}]`))
	require.NoError(t, err)
	assert.Equal(t, []json.RawMessage{raw(`0`), raw(`"a"`), raw(`{"b":[1,2]}`)}, args)

	data := raw(` [ "x" , 2 ] `)
	allocs := testing.AllocsPerRun(100, func() {
		args, err = sio.AppendArgs(small[:0], data)
	})
	require.NoError(t, err)
	assert.Equal(t, []json.RawMessage{raw(`"x"`), raw(`2`)}, args)
	assert.Zero(t, allocs)

	_, err = sio.AppendArgs(small[:0], raw(`[1,]`))
	assert.ErrorIs(t, err, sio.ErrMalformed)
}

func TestJoinArgs(t *testing.T) {
	t.Parallel()
	assert.Equal(t, `[]`, string(sio.JoinArgs(nil)))
	assert.Equal(t, `[]`, string(sio.JoinArgs([]json.RawMessage{})))
	assert.Equal(t, `[1,"a",{"b":null}]`, string(sio.JoinArgs([]json.RawMessage{raw(`1`), raw(`"a"`), raw(`{"b":null}`)})))

	// SIO-1: JoinArgs(Args(x)) == x for compact arrays.
	for _, data := range []string{`[]`, `[1]`, `["ev",{"a":[1,2]},"ünï"]`} {
		args, err := sio.Args(raw(data))
		require.NoError(t, err)
		assert.Equal(t, data, string(sio.JoinArgs(args)))
	}
}

func TestMarshalEvent(t *testing.T) {
	t.Parallel()
	got, err := sio.MarshalEvent("ev")
	require.NoError(t, err)
	assert.Equal(t, `["ev"]`, string(got))

	got, err = sio.MarshalEvent("events", map[string]any{"chat_id": "c"}, 1, "x")
	require.NoError(t, err)
	assert.Equal(t, `["events",{"chat_id":"c"},1,"x"]`, string(got))

	_, err = sio.MarshalEvent("ev", make(chan int))
	assert.ErrorIs(t, err, sio.ErrMalformed)
}

// Strings, ints and bools, the arguments tests and the conformance suite
// emit, are written as json.Marshal writes them, without allocating. Not
// parallel: AllocsPerRun.
func TestAppendEventPlainValues(t *testing.T) {
	buf := make([]byte, 0, 128)
	got, err := sio.AppendEvent(buf, "e", "ping", "<é\n>", 1, int64(-2), true, false)
	require.NoError(t, err)
	want, _ := json.Marshal([]any{"e", "ping", "<é\n>", 1, int64(-2), true, false})
	assert.Equal(t, string(want), string(got))
	allocs := testing.AllocsPerRun(100, func() { _, _ = sio.AppendEvent(buf, "e", "ping", 1, true) })
	assert.Zero(t, allocs)
}

// Malformed JSON is refused once, where a packet enters (Decode, SIO-6);
// ValidEvent and ValidArgs, which split what Decode accepted, trust it and
// do not look again, yet they do not panic when handed garbage.
func TestValidEventTrustsDecode(t *testing.T) {
	for _, data := range []string{`["e",`, `["e",}`, `["e" 1]`, `[`, `["e\q"]`} {
		_, err := sio.Decode([]byte("2" + data))
		require.ErrorIs(t, err, sio.ErrMalformed, "Decode(2%s)", data)
		_, err = sio.Args(json.RawMessage(data))
		require.ErrorIs(t, err, sio.ErrMalformed, "Args(%s)", data)
		assert.NotPanics(t, func() { _, _, _ = sio.ValidEvent(json.RawMessage(data), "") })
		assert.NotPanics(t, func() { _, _ = sio.ValidArgs(json.RawMessage(data)) })
	}
	name, _, err := sio.ValidEvent(json.RawMessage(`["e",}`), "e")
	require.NoError(t, err, "ValidEvent does not validate the JSON again")
	assert.Equal(t, "e", name)
	for _, data := range []string{`{}`, `[]`, `[1]`, ` "e"`} {
		_, _, err := sio.ValidEvent(json.RawMessage(data), "")
		assert.ErrorIs(t, err, sio.ErrMalformed, "ValidEvent(%s)", data)
	}
	name, _, err = sio.ValidEvent(json.RawMessage(`["a\"b\u00e9",1]`), "")
	require.NoError(t, err)
	assert.Equal(t, "a\"bé", name, "escaped names go through encoding/json")
}
