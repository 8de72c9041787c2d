package excerpt

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOf(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", `""`},
		{"hello", `"hello"`},
		{"\x1b[31mred\x07", `"\x1b[31mred\a"`},
		{"\xff\xfe", `"\xff\xfe"`},
		{strings.Repeat("a", 121), `"` + strings.Repeat("a", 120) + `"… (121 bytes)`},
		{strings.Repeat("é", 100), `"` + strings.Repeat("é", 60) + `"… (200 bytes)`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Of(tt.in), "Of(%q)", tt.in)
		assert.Equal(t, tt.want, Of([]byte(tt.in)), "Of([]byte(%q))", tt.in)
	}
}

func TestMessage(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "client: dial: connection refused", Message("client: dial: connection refused"))
	assert.Equal(t, `"bad \x1b[2J"`, Message("bad \x1b[2J"))
	long := strings.Repeat("x", 1000)
	assert.Equal(t, long[:MaxMessage]+"… (1000 bytes)", Message(long))
}
