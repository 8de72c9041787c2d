package webui

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/stampede-sio/stampede/refserver/sio"
)

func TestParseByteArray(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []byte
		ok   bool
	}{
		{`[]`, []byte{}, true},
		{` [ ] `, []byte{}, true},
		{`[0,1,255]`, []byte{0, 1, 255}, true},
		{"[ 1 ,\n2\t]", []byte{1, 2}, true},
		{`[256]`, nil, false},
		{`[-1]`, nil, false},
		{`[-0]`, nil, false},
		{`[1.5]`, nil, false},
		{`[1.0]`, nil, false},
		{`[1e2]`, nil, false},
		{`[1E2]`, nil, false},
		{`["1"]`, nil, false},
		{`[null]`, nil, false},
		{`[true]`, nil, false},
		{`[[1]]`, nil, false},
		{`[1,]`, nil, false},
		{`[1`, nil, false},
		{`[1 2]`, nil, false},
		{`[1]x`, nil, false},
		{`{"0":1}`, nil, false},
		{`"AQI="`, nil, false},
		{``, nil, false},
		{`[99999999999999999999999999]`, nil, false},
		{`[1,2,3,4]`, nil, false}, // over the limit of 3 below
	}
	for _, tt := range tests {
		got, ok := parseByteArray([]byte(tt.in), 3)
		assert.Equal(t, tt.ok, ok, "%q", tt.in)
		if tt.ok {
			assert.Equal(t, tt.want, got, "%q", tt.in)
		}
	}
	big := "[" + strings.Repeat("7,", 1000) + "7]"
	got, ok := parseByteArray([]byte(big), 1001)
	assert.True(t, ok)
	assert.Len(t, got, 1001)
}

func TestTruthy(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]bool{
		``: false, `null`: false, `false`: false, `0`: false, `0.0`: false, `-0`: false, `""`: false,
		`{}`: false, `{ }`: false, `[]`: false, `[ ]`: false,
		`true`: true, `1`: true, `-2.5`: true, `"x"`: true, `{"a":1}`: true, `[0]`: true, ` {"content":""} `: true,
	} {
		assert.Equal(t, want, truthy(json.RawMessage(raw)), "%q", raw)
	}
}

func TestParseDocRequest(t *testing.T) {
	t.Parallel()
	ev := func(args string, atts ...[]byte) *sio.Event {
		return &sio.Event{Name: "x", Args: json.RawMessage(args), Attachments: atts}
	}
	p := parseDocRequest(ev(`[{"document_id":"note_n1","user_id":"u","user_name":null,"update":[1,2],"data":{"a":1}}]`))
	assert.Equal(t, "note:n1", p.ID)
	assert.Equal(t, `"u"`, string(p.UserID))
	assert.Equal(t, `null`, string(p.UserName), "present null is kept")
	assert.Nil(t, p.UserColor, "absent is nil")
	assert.True(t, p.HasUpdate)
	assert.Equal(t, []byte{1, 2}, p.Update)
	assert.Equal(t, `[1,2]`, string(p.Awareness))
	assert.Equal(t, `{"a":1}`, string(p.Data))

	p = parseDocRequest(ev(`[{"document_id":"d","update":{"_placeholder":true,"num":0}}]`, []byte{5, 6}))
	assert.True(t, p.HasUpdate)
	assert.Equal(t, []byte{5, 6}, p.Update)
	assert.Equal(t, `[5,6]`, string(p.Awareness))

	p = parseDocRequest(ev(`[{"document_id":"d","update":{"_placeholder":true,"num":3}}]`, []byte{5}))
	assert.False(t, p.HasUpdate, "a placeholder without its attachment")

	p = parseDocRequest(ev(`[{"document_id":"d","update":{"k":"v"}}]`))
	assert.False(t, p.HasUpdate)
	assert.Equal(t, `{"k":"v"}`, string(p.Awareness), "awareness is relayed as sent")

	for _, args := range []string{`[]`, `["d"]`, `[null]`, `[5]`, `[[]]`, `[{"document_id":7}]`, `[{}]`, `{`} {
		assert.Empty(t, parseDocRequest(ev(args)).ID, args)
	}
}

func TestNormalizeDocID(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"note_n1": "note:n1", "note:n1": "note:n1", "note_": "note:", "scratch": "scratch", "xnote_n1": "xnote_n1",
	} {
		assert.Equal(t, want, normalizeDocID(in))
	}
	for doc, want := range map[string]string{"note:n1": "n1", "note:n1:extra": "n1", "note:": ""} {
		note, ok := noteOf(doc)
		assert.True(t, ok)
		assert.Equal(t, want, note)
	}
	_, ok := noteOf("scratch")
	assert.False(t, ok)
}

func TestByteListJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(map[string]any{"u": byteList{0, 1, 255}, "e": byteList{}, "n": byteList(nil)})
	assert.NoError(t, err)
	assert.JSONEq(t, `{"u":[0,1,255],"e":[],"n":[]}`, string(b))
}
