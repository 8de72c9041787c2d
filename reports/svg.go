package reports

import (
	"cmp"
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// maxLinePoints bounds the points one line draws: a line of more is
// downsampled, keeping each bucket's lowest and highest value, so that an
// hour's series stays readable and the page small.
const maxLinePoints = 1000

// The plot geometry, in SVG user units.
const (
	plotW, plotH                 = 760.0, 230.0
	padL, padR, padT, padB       = 62.0, 12.0, 26.0, 34.0
	innerW, innerH               = plotW - padL - padR, plotH - padT - padB
	hdrDecades                   = 5 // the HDR plot's x axis: percentile 0 … 99.999
	gridLines                    = 4
	legendGap, legendCharWidth   = 14.0, 6.4
	bandLabelY, bandLabelPadding = padT + 11, 3.0
)

// palette colours lines in order; it is readable on white and for the
// common colour-vision deficiencies.
var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"}

// line is one series of a plot.
type line struct {
	Name   string
	Xs, Ys []float64
	Colour string // "": the palette's, by the line's place
}

// band shades a stretch of the x axis: a phase of the run.
type band struct {
	Name       string
	From, Upto float64
}

// plot is one chart: lines over a shared x axis, y from zero.
type plot struct {
	ID    string // data-plot: what it shows
	Title string
	YUnit string
	HDR   bool // x is percentile on the HDR log scale (x values in decades)
	Lines []line
	Bands []band
	// XLabel names the x axis (default: seconds since the start); XUnit
	// is its ticks' unit. XTicks, when set, label x = 0, 1, … instead:
	// a categorical axis (a sweep's settings).
	XLabel string
	XUnit  string
	XTicks []string
	points int // drawn, set by svg
}

// empty reports whether the plot has no point to draw.
func (p *plot) empty() bool {
	for _, l := range p.Lines {
		if len(l.Xs) > 0 {
			return false
		}
	}
	return true
}

// downsample keeps at most limit points of xs, ys (x ascending): the first
// and last, and in each of the buckets between, the points with the lowest
// and the highest y in x order, so that peaks and dips survive.
func downsample(xs, ys []float64, limit int) ([]float64, []float64) {
	if len(xs) <= limit || limit < 4 {
		return xs, ys
	}
	buckets := (limit - 2) / 2
	ox, oy := []float64{xs[0]}, []float64{ys[0]}
	inner := len(xs) - 2
	for b := range buckets {
		lo, hi := 1+b*inner/buckets, 1+(b+1)*inner/buckets
		if lo >= hi {
			continue
		}
		iMin, iMax := lo, lo
		for i := lo; i < hi; i++ {
			if ys[i] < ys[iMin] {
				iMin = i
			}
			if ys[i] > ys[iMax] {
				iMax = i
			}
		}
		first, second := min(iMin, iMax), max(iMin, iMax)
		ox, oy = append(ox, xs[first]), append(oy, ys[first])
		if second != first {
			ox, oy = append(ox, xs[second]), append(oy, ys[second])
		}
	}
	return append(ox, xs[len(xs)-1]), append(oy, ys[len(ys)-1])
}

// svg renders the plot as an inline SVG element carrying data-plot and
// data-points.
func (p *plot) svg() string {
	x0, x1, y1 := p.bounds()
	sx := func(x float64) float64 { return padL + (x-x0)/(x1-x0)*innerW }
	sy := func(y float64) float64 { return padT + innerH - y/y1*innerH }
	var body strings.Builder
	for _, b := range p.Bands {
		from, upto := sx(math.Max(b.From, x0)), sx(math.Min(b.Upto, x1))
		if upto <= from {
			continue
		}
		fmt.Fprintf(&body, `<rect class="band" x="%s" y="%s" width="%s" height="%s"/><text class="band-label" x="%s" y="%s">%s</text>`,
			num(from), num(padT), num(upto-from), num(innerH), num(from+bandLabelPadding), num(bandLabelY), html.EscapeString(b.Name))
	}
	p.axes(&body, x0, x1, y1, sx, sy)
	p.points = 0
	legendX := padL
	for i, l := range p.Lines {
		xs, ys := downsample(l.Xs, l.Ys, maxLinePoints)
		colour := cmp.Or(l.Colour, palette[i%len(palette)])
		var pts strings.Builder
		for j := range xs {
			fmt.Fprintf(&pts, "%s,%s ", num(sx(xs[j])), num(sy(ys[j])))
		}
		p.points += len(xs)
		fmt.Fprintf(&body, `<polyline class="line" stroke="%s" data-line="%s" data-points="%d" points="%s"/>`,
			colour, html.EscapeString(l.Name), len(xs), strings.TrimSpace(pts.String()))
		if len(xs) == 1 { // a single point draws no line: mark it
			fmt.Fprintf(&body, `<circle cx="%s" cy="%s" r="2.5" fill="%s"/>`, num(sx(xs[0])), num(sy(ys[0])), colour)
		}
		fmt.Fprintf(&body, `<rect x="%s" y="6" width="10" height="10" fill="%s"/><text class="legend" x="%s" y="15">%s</text>`,
			num(legendX), colour, num(legendX+legendGap), html.EscapeString(l.Name))
		legendX += legendGap*2 + float64(len(l.Name))*legendCharWidth
	}
	return fmt.Sprintf(`<svg class="plot" viewBox="0 0 %s %s" role="img" aria-label="%s" data-plot="%s" data-points="%d">%s</svg>`,
		num(plotW), num(plotH), html.EscapeString(p.Title), html.EscapeString(p.ID), p.points, body.String())
}

// bounds are the x range and the top of the y axis (a round number above
// the highest value).
func (p *plot) bounds() (x0, x1, y1 float64) {
	x0, x1 = math.Inf(1), math.Inf(-1)
	for _, l := range p.Lines {
		for i, x := range l.Xs {
			x0, x1, y1 = math.Min(x0, x), math.Max(x1, x), math.Max(y1, l.Ys[i])
		}
	}
	for _, b := range p.Bands {
		x1 = math.Max(x1, b.Upto) // the teardown may end after the last point
	}
	x0 = math.Min(x0, 0) // time from the run's start; percentiles from 0
	if p.HDR {
		x1 = hdrDecades
	}
	if p.XTicks != nil { // categories, half a step of margin each side
		x0, x1 = -0.5, float64(len(p.XTicks))-0.5
	}
	if x1 <= x0 {
		x1 = x0 + 1
	}
	return x0, x1, niceCeil(y1)
}

// axes draws the grid, the y labels and the x ticks.
func (p *plot) axes(b *strings.Builder, x0, x1, y1 float64, sx, sy func(float64) float64) {
	for i := 0; i <= gridLines; i++ {
		y := y1 * float64(i) / gridLines
		fmt.Fprintf(b, `<line class="grid" x1="%s" x2="%s" y1="%s" y2="%s"/><text class="tick" x="%s" y="%s" text-anchor="end">%s</text>`,
			num(padL), num(padL+innerW), num(sy(y)), num(sy(y)), num(padL-4), num(sy(y)+4), html.EscapeString(formatValue(y, p.YUnit)))
	}
	type tick struct {
		x     float64
		label string
	}
	var ticks []tick
	switch {
	case p.HDR:
		for d := 0; d <= hdrDecades; d++ {
			ticks = append(ticks, tick{float64(d), hdrPercentileLabel(d)})
		}
	case p.XTicks != nil:
		for i, l := range p.XTicks {
			ticks = append(ticks, tick{float64(i), html.EscapeString(l)})
		}
	default:
		unit := "s"
		if p.XLabel != "" {
			unit = p.XUnit
		}
		step := niceCeil((x1 - x0) / 8)
		for x := math.Ceil(x0/step) * step; x <= x1; x += step {
			ticks = append(ticks, tick{x, formatValue(x, unit)})
		}
	}
	for _, t := range ticks {
		fmt.Fprintf(b, `<line class="axis" x1="%s" x2="%s" y1="%s" y2="%s"/><text class="tick" x="%s" y="%s" text-anchor="middle">%s</text>`,
			num(sx(t.x)), num(sx(t.x)), num(padT+innerH), num(padT+innerH+4), num(sx(t.x)), num(padT+innerH+16), t.label)
	}
	fmt.Fprintf(b, `<line class="axis" x1="%s" x2="%s" y1="%s" y2="%s"/>`, num(padL), num(padL+innerW), num(padT+innerH), num(padT+innerH))
	xLabel := "seconds since the start"
	switch {
	case p.HDR:
		xLabel = "percentile"
	case p.XLabel != "":
		xLabel = p.XLabel
	}
	fmt.Fprintf(b, `<text class="axis-label" x="%s" y="%s" text-anchor="middle">%s</text>`, num(padL+innerW/2), num(plotH-3), html.EscapeString(xLabel))
}

// hdrPercentile is the percentile at x on the HDR axis, whose x is the
// number of nines, -log10(1 - pct/100): 1 is 90, 2 is 99, 3 is 99.9.
func hdrPercentile(x float64) float64 { return 100 * (1 - math.Pow(10, -x)) }

// hdrPercentileLabel labels the decade-th tick of the HDR axis: 0%, 90%,
// 99%, … (written out: 1 − 10⁻ⁿ does not print exactly in floating point).
func hdrPercentileLabel(decade int) string {
	switch decade {
	case 0:
		return "0%"
	case 1:
		return "90%"
	}
	return strings.TrimSuffix("99."+strings.Repeat("9", decade-2), ".") + "%"
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (1 for v ≤ 0).
func niceCeil(v float64) float64 {
	if v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// formatValue labels an axis value in unit.
func formatValue(v float64, unit string) string {
	s := strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
	switch unit {
	case "", "/s":
		return s + unit
	case "s":
		return s + "s"
	}
	return s + " " + unit
}

// num writes an SVG coordinate with two decimals at most.
func num(v float64) string { return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64) }
