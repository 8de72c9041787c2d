package reports

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteRunMarkdown(t *testing.T) {
	t.Parallel()
	run := sampleRun(t)
	var b bytes.Buffer
	require.NoError(t, WriteRunMarkdown(&b, run))
	golden(t, "run.md", b.Bytes())
	assert.Contains(t, b.String(), "### stampede run `chat-stream`: **FAIL**", "a threshold failed")
	assert.Contains(t, b.String(), "| `lag_p99 < 1ms` | 15ms | **FAIL** |")
}

func TestWriteCheckMarkdown(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	require.NoError(t, WriteCheckMarkdown(&b, sampleCheck()))
	golden(t, "check.md", b.Bytes())
	assert.NotContains(t, b.String(), "| pass |", "passed cases stay out of the table")
}

// A value with a pipe, a line break or backticks stays in its cell.
func TestMarkdownEscapes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"a|b", "`a\\|b`"},
		{"x\ny", "`x y`"},
		{"a`b", "``a`b``"},
		{"`a", "`` `a ``"},
	} {
		assert.Equal(t, tc.want, mdCode(tc.in), "mdCode(%q)", tc.in)
	}
}
