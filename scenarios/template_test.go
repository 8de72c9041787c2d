package scenarios

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFuncs(t *testing.T) {
	t.Parallel()
	now := func() time.Time { return time.UnixMilli(1700000000123) }
	funcs := Funcs(rand.New(rand.NewPCG(1, 2)), now)
	tests := []struct {
		text, want string
	}{
		{`{{add 2 3}} {{sub 2 3}} {{mul 2 3}} {{mod 7 3}} {{mod -1 3}} {{mod 7 -3}}`, "5 -1 6 1 2 1"},
		{`{{printf "%04d" 7}}`, "0007"},
		{`{{now_ms}}`, "1700000000123"},
		{`{{rand_int 4 4}}`, "4"},
		{`{{len (rand_id 12)}} {{len (bytes 5)}}`, "12 5"},
		{`{{.Vars.room}}/{{.Data.users.email}}/{{.User}}/{{.Flow}}/{{.Iteration}}`, "c1/a@b/u000002/f/3"},
	}
	data := TemplateData{Index: 0, User: "u000002", Flow: "f", Iteration: 3, Vars: map[string]string{"room": "c1"},
		Data: map[string]map[string]string{"users": {"email": "a@b"}}}
	for _, tt := range tests {
		tmpl, err := ParseTemplate("t", tt.text)
		require.NoError(t, err, tt.text)
		var b bytes.Buffer
		require.NoError(t, tmpl.Funcs(funcs).Execute(&b, data), tt.text)
		assert.Equal(t, tt.want, b.String(), tt.text)
	}
	for _, bad := range []string{`{{mod 1 0}}`, `{{rand_int 3 1}}`, `{{rand_id -1}}`, `{{.Vars.nope}}`} {
		tmpl, err := ParseTemplate("t", bad)
		require.NoError(t, err)
		assert.Error(t, tmpl.Execute(&bytes.Buffer{}, data), bad)
	}
	for range 100 {
		tmpl, _ := ParseTemplate("t", `{{rand_int 1 3}}`)
		var b bytes.Buffer
		require.NoError(t, tmpl.Execute(&b, data))
		assert.Contains(t, []string{"1", "2", "3"}, b.String())
	}
}

func TestBinaryArg(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s  string
		n  int
		ok bool
	}{
		{"{{bytes 1024}}", 1024, true},
		{"{{ bytes 0 }}", 0, true},
		{"{{- bytes 3 -}}", 3, true},
		{"x{{bytes 3}}", 0, false},
		{"{{bytes .N}}", 0, false},
		{"{{bytes 99999999999}}", 0, false},
		{"bytes 3", 0, false},
	}
	for _, tt := range tests {
		n, ok := BinaryArg(tt.s)
		assert.Equal(t, tt.ok, ok, tt.s)
		assert.Equal(t, tt.n, n, tt.s)
	}
	assert.True(t, IsTemplate("a{{.Index}}"))
	assert.False(t, IsTemplate("plain {"))
}
