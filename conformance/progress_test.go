package conformance

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/conformance/check"
)

func progressCases() []check.Case {
	cases := []check.Case{
		synthetic("EIO-1/a", check.Must, func(context.Context, *check.T) {}),
		synthetic("EIO-1/b", check.Must, func(_ context.Context, t *check.T) { t.Skip("no polling") }),
		synthetic("SIO-1/c", check.Must, func(_ context.Context, t *check.T) { t.Fail("x", "y") }),
	}
	cases[2].Layer = check.LayerSocketIO
	return cases
}

// On a terminal, a line per case as it ends: its place, status, ID, time.
func TestProgressTerminal(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer
	_, err := execute(context.Background(), fakeTarget(), progressCases(), Options{Log: &log, Terminal: true, Parallel: 1})
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	require.Len(t, lines, 3, log.String())
	var rest []string // the lines without their place; cases end in any order
	for i, l := range lines {
		place := fmt.Sprintf("[%d/3] ", i+1)
		assert.True(t, strings.HasPrefix(l, place), "line %d %q starts with %q", i, l, place)
		rest = append(rest, strings.TrimPrefix(l, place))
	}
	slices.Sort(rest)
	assert.Regexp(t, `^fail SIO-1/c \d+\.\ds$`, rest[0])
	assert.Regexp(t, `^pass EIO-1/a \d+\.\ds$`, rest[1])
	assert.Regexp(t, `^skip EIO-1/b \d+\.\ds$`, rest[2])
}

// Elsewhere (a CI log), a line per layer once its last case ended.
func TestProgressNotTerminal(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer
	_, err := execute(context.Background(), fakeTarget(), progressCases(), Options{Log: &log, Parallel: 1})
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	require.Len(t, lines, 2, log.String())
	slices.Sort(lines) // layers end in any order
	assert.Regexp(t, `^engineio: 2 cases, 1 pass, 1 skip, \d+\.\ds$`, lines[0])
	assert.Regexp(t, `^socketio: 1 cases, 1 fail, \d+\.\ds$`, lines[1])
	assert.NotRegexp(t, regexp.MustCompile(`EIO-1/a`), log.String(), "no line per case")
}
