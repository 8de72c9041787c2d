package metrics

import (
	"bufio"
	"bytes"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sampleLine is `name{label="value",...} value` with escaped label values.
var sampleLine = regexp.MustCompile(
	`^([a-zA-Z_:][a-zA-Z0-9_:]*)` +
		`(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*\})?` +
		` (\S+)$`)

var metaLine = regexp.MustCompile(`^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*)( .*)?$`)

// scrape checks every line of the /metrics body and returns the samples,
// keyed by name and label text, e.g. `go_info{version="go1.26"}`.
func scrape(t *testing.T, reg *Registry) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	reg.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return parseExposition(t, rec.Body.Bytes())
}

func parseExposition(t *testing.T, body []byte) map[string]float64 {
	t.Helper()
	samples := map[string]float64{}
	help, types := map[string]bool{}, map[string]string{}
	var last string // family names must come in sorted order
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if m := metaLine.FindStringSubmatch(line); m != nil {
			name := m[2]
			if m[1] == "HELP" {
				assert.False(t, help[name], "second HELP for %s", name)
				assert.Greater(t, name, last, "families out of order")
				help[name], last = true, name
				continue
			}
			assert.True(t, help[name], "TYPE before HELP for %s", name)
			assert.Contains(t, []string{" counter", " gauge", " summary"}, m[3], "TYPE of %s", name)
			types[name] = strings.TrimSpace(m[3])
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if !assert.NotNil(t, m, "invalid sample line %q", line) {
			continue
		}
		fam := familyOf(m[1], types)
		assert.True(t, help[fam] && types[fam] != "", "sample %q without HELP and TYPE", line)
		assert.Equal(t, fam, last, "sample %q outside its family", line)
		v, err := strconv.ParseFloat(m[3], 64)
		assert.NoError(t, err, "value of %q", line)
		samples[m[1]+m[2]] = v
	}
	require.NoError(t, sc.Err())
	return samples
}

// familyOf strips the _sum and _count suffixes of summary samples.
func familyOf(name string, types map[string]string) string {
	for _, suffix := range []string{"_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && types[base] == "summary" {
			return base
		}
	}
	return name
}

func TestExpositionIsValid(t *testing.T) {
	t.Parallel()
	reg := goldenRegistry()
	RegisterGoCollector(reg)
	RegisterProcessCollector(reg)
	require.NoError(t, reg.Err())

	got := scrape(t, reg)
	assert.Equal(t, 42.0, got["requests_total"])
	assert.Equal(t, 1.0, got[`events_total{namespace="say \"hi\"\nbye",type="back\\slash"}`])
	assert.Contains(t, got, `go_gc_duration_seconds{quantile="0.5"}`)
	assert.Contains(t, got, "go_gc_duration_seconds_count")
}

func TestParserRejectsBadLines(t *testing.T) {
	t.Parallel()
	bad := []string{
		`x{a="unterminated} 1`,
		`x{a="raw"quote"} 1`,
		`x{1a="v"} 1`,
		`x 1 2`,
		`x{} 1`,
		`x`,
	}
	for _, line := range bad {
		assert.Nil(t, sampleLine.FindStringSubmatch(line), line)
	}
}
