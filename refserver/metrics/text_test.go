package metrics

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// goldenRegistry has one of each metric kind, labels declared out of name
// order, and help and label values that need escaping.
func goldenRegistry() *Registry {
	reg := New()
	reg.NewCounter("requests_total", "Requests served.").Add(42)
	c := reg.NewCounter("bytes_total", "Bytes sent.")
	c.Add(1_000_000)
	c.AddFloat(0.5)
	reg.NewGauge("temperature_celsius", `Help with a backslash \ and a "quote"`+"\nand a newline.").Set(-3.25)
	reg.NewGauge("empty_help", "").Set(1)
	reg.NewGauge("infinite", "Positive infinity.").Set(math.Inf(1))
	cv := reg.NewCounterVec("events_total", "Events by namespace and type.", "type", "namespace")
	cv.With("message", "/chat").Add(3)
	cv.With("connect", "/chat").Inc()
	cv.With("connect", "/").Add(2)
	cv.With(`back\slash`, `say "hi"`+"\nbye").Inc()
	gv := reg.NewGaugeVec("rooms", "Members per room.", "room")
	gv.With("b").Set(2)
	gv.With("a").Set(5)
	reg.NewGaugeVec("unused", "A vector with no children.", "x")
	reg.NewGaugeFunc("queue_length", "Items waiting.", func() float64 { return 7 })
	reg.NewCounterFunc("ticks_total", "Ticks so far.", func() float64 { return 1e21 })
	return reg
}

func TestGolden(t *testing.T) {
	t.Parallel()
	reg := goldenRegistry()
	require.NoError(t, reg.Err())
	var got bytes.Buffer
	n, err := reg.WriteTo(&got)
	require.NoError(t, err)
	assert.Equal(t, int64(got.Len()), n)

	path := filepath.Join("testdata", "exposition.golden")
	if *update {
		require.NoError(t, os.WriteFile(path, got.Bytes(), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), got.String())
}

func TestAppendFloat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{1, "1"},
		{-1, "-1"},
		{0.25, "0.25"},
		{123456, "123456"},
		{1e6, "1e+06"},
		{1.5e-7, "1.5e-07"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "+Inf"},
		{math.Inf(-1), "-Inf"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, string(appendFloat(nil, tt.in)), "appendFloat(%v)", tt.in)
	}
}

func TestAppendEscaped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		quoted   bool
		want     string
		describe string
	}{
		{`plain`, true, `plain`, "nothing to escape"},
		{`a\b`, true, `a\\b`, "backslash"},
		{`"q"`, true, `\"q\"`, "quotes in a label value"},
		{`"q"`, false, `"q"`, "quotes in help text"},
		{"a\nb", false, `a\nb`, "newline"},
		{"ü €", true, "ü €", "UTF-8 passes through"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, string(appendEscaped(nil, tt.in, tt.quoted)), tt.describe)
	}
}
