package yjs

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The Node side of the tests: testdata/node/yjs/fixtures.js with the yjs
// npm package that `make node-deps` installs.

var nodeDir = filepath.Join("..", "..", "testdata", "node")

// node runs fixtures.js with args and stdin and returns its stdout.
func node(t testing.TB, stdin []byte, args ...string) []byte {
	t.Helper()
	bin, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node not found in PATH (%v): install Node.js and run make node-deps", err)
	}
	if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", "yjs", "package.json")); err != nil {
		t.Fatalf("the yjs npm package is not installed in %s (%v): run make node-deps", nodeDir, err)
	}
	cmd := exec.Command(bin, append([]string{filepath.Join("yjs", "fixtures.js")}, args...)...)
	cmd.Dir = nodeDir
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.WaitDelay = time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "node fixtures.js %v: %s", args, stderr.String())
	return out
}

// fixtureCase is one set of updates with a merged update: Y.mergeUpdates'
// from generate, ours for check.
type fixtureCase struct {
	Name    string   `json:"name"`
	Updates [][]byte `json:"updates"` // base64 in JSON, as encoding/json does []byte
	Merged  []byte   `json:"merged"`
	Content string   `json:"content,omitempty"` // of a Y.Doc built from the updates
}

type checkResult struct {
	Name    string `json:"name"`
	OK      bool   `json:"ok"`
	Why     string `json:"why"`
	Content string `json:"content"`
}

func generate(t testing.TB, seed, cases string) []fixtureCase {
	t.Helper()
	var out struct{ Cases []fixtureCase }
	require.NoError(t, json.Unmarshal(node(t, nil, "generate", seed, cases), &out))
	require.NotEmpty(t, out.Cases)
	return out.Cases
}

// check asks Yjs whether each case's merged update builds the same document
// as its updates.
func check(t testing.TB, cases []fixtureCase) []checkResult {
	t.Helper()
	in, err := json.Marshal(map[string]any{"cases": cases})
	require.NoError(t, err)
	var out struct{ Results []checkResult }
	require.NoError(t, json.Unmarshal(node(t, in, "check"), &out))
	require.Len(t, out.Results, len(cases))
	return out.Results
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
