package metrics

import (
	"math"
	"strconv"
)

// metricType is the word on a family's TYPE line.
type metricType string

const (
	typeCounter metricType = "counter"
	typeGauge   metricType = "gauge"
	typeSummary metricType = "summary"
)

// desc describes one metric family.
type desc struct {
	name string
	help string
	typ  metricType
}

// family is one scrape's reading of a metric family.
type family struct {
	desc
	samples []sample
}

// sample is one line of a family.
type sample struct {
	suffix string // appended to the family name: "", "_sum" or "_count"
	labels []labelPair
	value  float64
}

type labelPair struct {
	name  string
	value string
}

// single returns a family with one unlabelled sample.
func (d desc) single(v float64) family {
	return family{desc: d, samples: []sample{{value: v}}}
}

// appendFamily appends f in text format. Families without samples are
// skipped, as the official client does, so a vector with no children
// leaves no trace.
func appendFamily(b []byte, f *family) []byte {
	if len(f.samples) == 0 {
		return b
	}
	b = append(b, "# HELP "...)
	b = append(b, f.name...)
	b = append(b, ' ')
	b = appendEscaped(b, f.help, false)
	b = append(b, "\n# TYPE "...)
	b = append(b, f.name...)
	b = append(b, ' ')
	b = append(b, f.typ...)
	b = append(b, '\n')
	for i := range f.samples {
		b = appendSample(b, f.name, &f.samples[i])
	}
	return b
}

func appendSample(b []byte, name string, s *sample) []byte {
	b = append(b, name...)
	b = append(b, s.suffix...)
	if len(s.labels) > 0 {
		b = append(b, '{')
		for i, l := range s.labels {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, l.name...)
			b = append(b, `="`...)
			b = appendEscaped(b, l.value, true)
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	b = append(b, ' ')
	b = appendFloat(b, s.value)
	return append(b, '\n')
}

// appendEscaped escapes backslash and newline, and double quotes in label
// values (quoted); HELP text leaves quotes alone, as the format specifies.
func appendEscaped(b []byte, s string, quoted bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '"' && quoted:
			b = append(b, `\"`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendFloat formats v the way the official client does: shortest 'g'
// representation, with the format's spelling of infinities and NaN.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}
