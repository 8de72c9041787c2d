package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stampede-sio/stampede/reports"
)

// capacityArgs search echo-baseline (one acked round trip a second per
// client) on managed servers that delay every event by 500ms once more
// than above sockets are connected: the limit the test controls. The SLO,
// 400ms, leaves room for a loaded machine below that population.
func capacityArgs(above string, extra ...string) []string {
	return append([]string{"capacity", "echo-baseline", "--serve",
		"--serve-arg", "fault=delay-events=500ms", "--serve-arg", "fault=delay-events-above=" + above,
		"--set", "flows.0.steps.0.loop.rate=1", "--set", "flows.1.steps.0.loop.rate=1", "--duration", "2s", "--set", "teardown=0s",
		"--slo", "ack_p99{event:message-with-ack} < 400ms", "--max-lag", "5s"}, extra...)
}

var capacityLine = regexp.MustCompile(`(?m)^capacity: (\d+) clients$`)

// The search finds the population past which the server slows down.
func TestCapacityFindsLimit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e, out, errb := testEnv(nil)
	code := run(context.Background(), e, capacityArgs("100", "--min", "50", "--max", "400", "--precision", "0.25", "--confirm", "0", "--out", dir))
	require.Equal(t, exitOK, code, "stderr: %s\nstdout: %s", errb.String(), out.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	m := capacityLine.FindStringSubmatch(lines[len(lines)-1])
	require.NotNil(t, m, "the last line is the answer: %s", out.String())
	n, _ := strconv.Atoi(m[1])
	assert.GreaterOrEqual(t, n, 75, "at most 100 sockets the server answers at once")
	assert.LessOrEqual(t, n, 124, "above 100 every ack waits 500ms; narrowed to within a quarter")
	assert.Contains(t, out.String(), "limit: latency: ack_p99{event:message-with-ack} < 400ms measured")
	assert.Regexp(t, `(?m)^200 +raise +BROKE `, out.String(), "the doubling overshot and broke")
	assert.Contains(t, out.String(), "stopped: narrowed to")

	c := readCapacity(t, dir)
	assert.True(t, c.Found)
	assert.False(t, c.LowerBound)
	assert.Equal(t, n, c.Answer)
	rec, err := reports.ReadRunFile(filepath.Join(dir, c.Steps[0].Record))
	require.NoError(t, err)
	assert.Contains(t, rec.Server.Args, "--fault=delay-events-above=100")
	page, err := os.ReadFile(filepath.Join(dir, "capacity.html"))
	require.NoError(t, err)
	assert.Regexp(t, `data-plot="knee ack_p99\{event:message-with-ack\} &lt; 400ms" data-points="[4-9]"`, string(page))
}

// Even --min broke the SLO: capacity: none, exit 1.
func TestCapacityNone(t *testing.T) {
	t.Parallel()
	e, out, errb := testEnv(nil)
	code := run(context.Background(), e, capacityArgs("10", "--min", "40", "--max", "80"))
	assert.Equal(t, exitFailed, code, errb.String())
	assert.True(t, strings.HasSuffix(out.String(), "\ncapacity: none\n"), out.String())
	assert.Contains(t, out.String(), "stopped: an SLO broke at --min 40")
	assert.Regexp(t, `(?m)^40 +raise +BROKE [^\n]*\n40 +confirm +BROKE `, out.String(), "a break is confirmed by a second run")
	assert.Contains(t, errb.String(), "stampede capacity: no value held every SLO")
}

// The budget includes the step in progress: once what is left is less
// than a step takes, the answer so far is a lower bound.
func TestCapacityBudget(t *testing.T) {
	t.Parallel()
	e, out, errb := testEnv(nil)
	code := run(context.Background(), e, capacityArgs("1000", "--min", "20", "--max", "400", "--budget", "9s"))
	require.Equal(t, exitOK, code, errb.String())
	assert.Regexp(t, `the answer is a lower bound: (20|40) clients held`, out.String())
	assert.Regexp(t, `\ncapacity: (20|40) clients\n$`, out.String())
	assert.Regexp(t, `stopped: the budget (had .* left, less than a step takes|ran out during the step)`, out.String())
}

func readCapacity(t *testing.T, dir string) *reports.Capacity {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "capacity.json"))
	require.NoError(t, err)
	defer f.Close()
	var c reports.Capacity
	require.NoError(t, json.NewDecoder(f).Decode(&c))
	return &c
}

// A generator that falls behind stops the search: the limit is this
// machine's load generator, not the server, and it says so. Forced here
// with a generator that may not lag at all (any lag is saturation).
func TestCapacityGeneratorSaturated(t *testing.T) {
	t.Parallel()
	e, out, errb := testEnv(nil)
	args := append(capacityArgs("1000", "--min", "20", "--max", "80"), "--max-lag", "1us")
	code := run(context.Background(), e, args)
	assert.Equal(t, exitFailed, code, errb.String())
	assert.Regexp(t, `(?m)^20 +raise +generator saturated `, out.String())
	assert.Contains(t, out.String(), "stopped: the generator saturated at 20 (generator lag p90")
	assert.Contains(t, out.String(), "this machine's load generator, not the server, is the limit here")
	assert.True(t, strings.HasSuffix(out.String(), "\ncapacity: none\n"), out.String())
}
