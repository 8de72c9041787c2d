package simulator

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// expect and wait_for match: a subset match of the YAML pattern (strings
// rendered) on the JSON argument.
func TestSubset(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want any
		got  string
		ok   bool
	}{
		{"extra keys are ignored", map[string]any{"text": "hello"}, `{"text":"hello","client":"3"}`, true},
		{"a missing key fails", map[string]any{"text": "hello"}, `{"client":"3"}`, false},
		{"a different value fails", map[string]any{"text": "hello"}, `{"text":"bye"}`, false},
		{"nested", map[string]any{"data": map[string]any{"type": "typing"}}, `{"data":{"type":"typing","x":1}}`, true},
		{"YAML int and JSON number", map[string]any{"n": 3}, `{"n":3.0}`, true},
		{"rendered string and number", map[string]any{"n": "3"}, `{"n":3}`, true},
		{"rendered string and bool", map[string]any{"ok": "true"}, `{"ok":true}`, true},
		{"string is not number text", map[string]any{"n": "three"}, `{"n":3}`, false},
		{"lists match element by element", []any{1, 2}, `[1,2]`, true},
		{"lists of another length fail", []any{1, 2}, `[1,2,3]`, false},
		{"null matches null only", nil, `null`, true},
		{"null is not an empty object", nil, `{}`, false},
		{"bool", true, `true`, true},
		{"object against array", map[string]any{}, `[]`, false},
		{"empty mapping matches any object", map[string]any{}, `{"a":1}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got any
			require.NoError(t, json.Unmarshal([]byte(tt.got), &got))
			assert.Equal(t, tt.ok, subset(tt.want, got), "subset(%v, %s)", tt.want, tt.got)
		})
	}
}

// The sent_ms convention (scenarios package documentation): anywhere in the
// first argument, a number or a numeric string.
func TestSentMS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		ms   int64
		want bool
	}{
		{`{"sent_ms":1700000000123}`, 1700000000123, true},
		{`{"sent_ms":"1700000000123"}`, 1700000000123, true},
		{`{"channel_id":"c1","data":{"type":"typing","data":{"sent_ms" : "42"}}}`, 42, true},
		{`{"sent_ms":1.7e12}`, 1700000000000, true},
		{`{"text":"sent_ms","sent_ms":5}`, 5, true},
		{`{"text":"hi"}`, 0, false},
		{`{"sent_ms":"soon"}`, 0, false},
		{`{"sent_ms":null}`, 0, false},
		{`{"sent_ms":"12`, 0, false},
	}
	for _, tt := range tests {
		ms, ok := sentMS([]byte(tt.raw))
		assert.Equal(t, tt.want, ok, "%s", tt.raw)
		assert.Equal(t, tt.ms, ms, "%s", tt.raw)
	}
}

func BenchmarkSentMS(b *testing.B) {
	with := []byte(`{"channel_id":"c0001","message_id":"","data":{"type":"typing","data":{"sent_ms":"1700000000123"}},"user":{"id":"u000002","name":"User 2"}}`)
	without := []byte(`{"chat_id":"c","message_id":"m","data":{"type":"chat:completion","data":{"content":"hello world, this is a delta","done":false}}}`)
	b.ReportAllocs()
	for b.Loop() {
		sentMS(with)
		sentMS(without)
	}
}
