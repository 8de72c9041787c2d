package reports

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The reports open in a real browser: headless Chromium (Debian's
// chromium package) loads each page from disk, and the test reads back the
// DOM after the scripts ran, the console, and every request the page made
// through a proxy that records them.

// chromium finds the browser. In CI (CI set) a missing browser fails the
// test; elsewhere it skips.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (apt-get install -y chromium); CI runs the browser tests")
	}
	t.Skip("chromium is not installed (apt-get install -y chromium): browser tests skipped")
	return ""
}

// browsed is what the browser made of a page.
type browsed struct {
	DOM      string   // after the scripts ran
	Console  []string // every console message
	Requests []string // every request that left the browser
}

// browserService reports whether host is one the browser calls on its own
// (component updates, network time, accounts) whatever the page: these
// exact hosts, not their domains, so that a page loading fonts or scripts
// from elsewhere at Google is still caught.
func browserService(host string) bool {
	switch strings.TrimSuffix(host, ":443") {
	case "update.googleapis.com", "clients2.google.com", "accounts.google.com", "clientservices.googleapis.com",
		"redirector.gvt1.com", "safebrowsingohttpgateway.googleapis.com", "optimizationguide-pa.googleapis.com":
		return true
	}
	return false
}

var consoleLine = regexp.MustCompile(`:CONSOLE[^\]]*\] (.*)`)

// browse loads the page at path in headless Chromium, every request going
// to a recording proxy (loopback included), and, when shot is not "",
// saves a screenshot there.
func browse(t *testing.T, path, shot string) browsed {
	t.Helper()
	bin := chromium(t)
	var mu sync.Mutex
	var got browsed
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if !browserService(r.Host) {
			got.Requests = append(got.Requests, r.Method+" "+r.Host+r.URL.String())
		}
		mu.Unlock()
		http.Error(w, "no network for reports", http.StatusForbidden)
	}))
	defer proxy.Close()
	profile := t.TempDir()
	url := "file://" + path
	run := func(mode ...string) (stdout, stderr string) {
		ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
		defer cancel()
		args := append([]string{
			"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
			"--disable-extensions", "--disable-background-networking", "--disable-component-update",
			"--disable-sync", "--disable-domain-reliability", "--metrics-recording-only", "--no-pings",
			"--disable-client-side-phishing-detection", "--safebrowsing-disable-auto-update",
			"--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,AutofillServerCommunication",
			"--user-data-dir=" + profile, "--proxy-server=" + proxy.URL, "--proxy-bypass-list=<-loopback>",
			"--enable-logging=stderr", "--v=0", "--window-size=1100,2400", "--virtual-time-budget=3000",
		}, mode...)
		cmd := exec.CommandContext(ctx, bin, append(args, url)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		require.NoError(t, cmd.Run(), "chromium: %s", errb.String())
		return out.String(), errb.String()
	}
	dom, stderr := run("--dump-dom")
	got.DOM = dom
	if shot != "" {
		_, more := run("--screenshot=" + shot)
		stderr += more
	}
	for _, m := range consoleLine.FindAllStringSubmatch(stderr, -1) {
		got.Console = append(got.Console, m[1])
	}
	mu.Lock()
	defer mu.Unlock()
	return got
}

// shotPath is where a page's screenshot goes: testdata with -update (to
// look at), else the test's temporary directory.
func shotPath(t *testing.T, name string) string {
	if *update {
		abs, err := filepath.Abs(filepath.Join("testdata", name))
		require.NoError(t, err)
		return abs
	}
	return filepath.Join(t.TempDir(), name)
}

func writePage(t *testing.T, name string, write func(*bytes.Buffer) error) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, write(&b))
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	return path
}

// assertRendered checks that every plot drew: an svg with data-points > 0
// and the elements it counted.
func assertRendered(t *testing.T, dom string, wantPlots int) {
	t.Helper()
	plots := plotTag.FindAllStringSubmatch(dom, -1)
	assert.Len(t, plots, wantPlots, "plots in the rendered DOM")
	for _, p := range plots {
		assert.NotEqual(t, "0", p[2], "plot %q drew no point", p[1])
	}
	assert.NotContains(t, dom, `data-points="0"`)
}

func TestRunReportInBrowser(t *testing.T) {
	t.Parallel()
	run := sampleRun(t)
	assertPageInBrowser(t, "run", func(b *bytes.Buffer) error { return WriteRunHTML(b, run) }, 15)
}

// assertPageInBrowser renders a page with write, loads it in the browser
// and checks that every plot drew, at least minLines lines in all, with
// no console message and no request; its screenshot is name-report.png.
func assertPageInBrowser(t *testing.T, name string, write func(*bytes.Buffer) error, minLines int) {
	t.Helper()
	var want bytes.Buffer
	require.NoError(t, write(&want))
	page := writePage(t, name+".html", write)
	shot := shotPath(t, name+"-report.png")
	got := browse(t, page, shot)
	assertRendered(t, got.DOM, len(plotTag.FindAllString(want.String(), -1)))
	assert.GreaterOrEqual(t, strings.Count(got.DOM, "<polyline"), minLines, "the lines are in the DOM")
	assert.Empty(t, got.Console, "console messages")
	assert.Empty(t, got.Requests, "requests that left the browser")
	info, err := os.Stat(shot)
	require.NoError(t, err)
	assert.Positive(t, info.Size(), "a screenshot")
	t.Logf("screenshot: %s", shot)
}

func TestCheckReportInBrowser(t *testing.T) {
	t.Parallel()
	c := sampleCheck()
	page := writePage(t, "check.html", func(b *bytes.Buffer) error { return WriteCheckHTML(b, c) })
	got := browse(t, page, shotPath(t, "check-report.png"))
	assertRendered(t, got.DOM, 1)
	assert.Contains(t, got.DOM, `<span id="filter-count">5 of 5 cases</span>`, "the filter script ran")
	assert.Empty(t, got.Console, "console messages")
	assert.Empty(t, got.Requests, "requests that left the browser")
}

// The checks above can fail: a page that loads from the network, logs to
// the console or draws nothing is caught.
func TestBrowserCatchesABadPage(t *testing.T) {
	t.Parallel()
	page := filepath.Join(t.TempDir(), "bad.html")
	require.NoError(t, os.WriteFile(page, []byte(`<!DOCTYPE html><html><body>
<svg data-plot="empty" data-points="0"></svg>
<img src="http://reports.invalid/pixel.png"><script>console.error("bad page")</script></body></html>`), 0o644))
	got := browse(t, page, "")
	assert.NotEmpty(t, got.Requests, "the image request went through the proxy")
	assert.Contains(t, strings.Join(got.Console, "\n"), "bad page")
	assert.Contains(t, got.DOM, `data-points="0"`)
	assert.NotEmpty(t, remoteRef.FindAllString(got.DOM, -1), "the static check sees the remote src")
}
