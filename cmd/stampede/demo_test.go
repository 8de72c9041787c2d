package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// demo --quick (the tests' sizes) writes index.html, and every link in
// it leads to a file it wrote.
func TestDemo(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "demo")
	e, out, errb := testEnv(nil)
	code := run(context.Background(), e, []string{"demo", "--quick", "--out", dir})
	require.Equal(t, exitOK, code, "stderr: %s", errb.String())
	assert.Regexp(t, `^stampede demo: wrote .*/demo/index\.html \(4 parts, \d+s\); open it in a browser\n$`, out.String())
	page, err := os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	links := regexp.MustCompile(`href="([^"]+)"`).FindAllStringSubmatch(string(page), -1)
	assert.Len(t, links, 12, "report, record and text of each of the 4 parts")
	for _, l := range links {
		_, err := os.Stat(filepath.Join(dir, l[1]))
		assert.NoError(t, err, "link %s", l[1])
	}
	for _, part := range []string{"check", "run echo-baseline", "run connect-storm", "capacity echo-baseline"} {
		assert.Regexp(t, `<td>`+regexp.QuoteMeta(part)+`</td><td>[^<]*</td><td class="pass">pass</td>`, string(page), part)
	}
	assert.Regexp(t, `<td>capacity: 20 clients</td>`, string(page))
	assert.Contains(t, errb.String(), "stampede demo: check: pass")
}

func TestDemoUsage(t *testing.T) {
	t.Parallel()
	e, _, errb := testEnv(nil)
	assert.Equal(t, exitUsage, run(context.Background(), e, []string{"demo", "extra"}))
	assert.Contains(t, errb.String(), `unexpected argument "extra"`)
}
