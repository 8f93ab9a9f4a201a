package views

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Chart is a server-rendered SVG chart over buckets (days or hours): bars,
// stacked bars or lines, with a y axis, x labels, a legend and markers
// (activations). The same numbers are always in a table beside it.
type Chart struct {
	ID      string
	Title   string
	Labels  []string // one per bucket
	Series  []Series
	Stacked bool
	Lines   bool
	Percent bool // values are shares (0..1), shown as percentages
	Markers []ChartMarker
	// PartialLast: the last bucket is under way, drawn lighter and reached
	// by a dashed line, so a day that has only begun does not read as a
	// drop. Values may be NaN where a rate is undefined: a gap.
	PartialLast bool
}

// Series is one named row of values, one per bucket.
type Series struct {
	Name   string
	Class  string // colour, from app.css: s1..s6
	Values []float64
}

// ChartMarker is a vertical line at a bucket, such as an activation.
type ChartMarker struct {
	Index int
	Label string
}

// Chart geometry, in viewBox units.
const (
	chartW      = 720.0
	chartH      = 240.0
	plotLeft    = 52.0
	plotRight   = 12.0
	plotTop     = 14.0
	plotBottom  = 34.0
	maxXLabels  = 8
	yTickCount  = 4
	barGapRatio = 0.2
)

type chartRect struct {
	X, Y, W, H float64
	Partial    bool
}

type chartTick struct {
	Pos   float64
	Label string
}

// chartShape is what the SVG draws.
type chartShape struct {
	Bars     [][]chartRect // per series
	Paths    []string      // per series, for lines
	Dashed   []string      // per series: the segment to the partial bucket
	PartialX float64       // the left edge of the partial bucket, 0 for none
	PartialW float64
	YTicks   []chartTick
	XTicks   []chartTick
	Markers  []chartTick
	Empty    bool
}

func (c Chart) plotWidth() float64  { return chartW - plotLeft - plotRight }
func (c Chart) plotHeight() float64 { return chartH - plotTop - plotBottom }
func (c Chart) baseline() float64   { return chartH - plotBottom }

// top is the largest value the y axis must reach.
func (c Chart) top() float64 {
	var top float64
	n := len(c.Labels)
	for i := range n {
		var sum float64
		for _, s := range c.Series {
			v := at(s.Values, i)
			if math.IsNaN(v) {
				continue
			}
			if c.Stacked {
				sum += v
			} else {
				sum = math.Max(sum, v)
			}
		}
		top = math.Max(top, sum)
	}
	return top
}

func at(v []float64, i int) float64 {
	if i < len(v) {
		return v[i]
	}
	return 0
}

// niceCeil rounds up to 1, 2, 2.5 or 5 times a power of ten, so the y
// ticks are round numbers.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func (c Chart) shape() chartShape {
	n := len(c.Labels)
	top := c.top()
	// A rate of zero is a finding; a count of zero everywhere is no data.
	sh := chartShape{Empty: top == 0 && !c.Percent}
	if c.Percent {
		// Whole percents per tick when the rates allow it.
		top = math.Min(1, niceCeil(top*100/yTickCount)*yTickCount/100)
		if top == 0 {
			top = 0.04
		}
	} else {
		// Counts: whole, round steps.
		top = math.Max(1, niceCeil(top/yTickCount)) * yTickCount
	}
	y := func(v float64) float64 { return c.baseline() - v/top*c.plotHeight() }
	for i := 0; i <= yTickCount; i++ {
		v := top * float64(i) / yTickCount
		sh.YTicks = append(sh.YTicks, chartTick{Pos: y(v), Label: c.format(v)})
	}
	if n == 0 {
		return sh
	}
	slot := c.plotWidth() / float64(n)
	center := func(i int) float64 { return plotLeft + slot*(float64(i)+0.5) }
	step := (n + maxXLabels - 1) / maxXLabels
	for i := 0; i < n; i += step {
		sh.XTicks = append(sh.XTicks, chartTick{Pos: center(i), Label: c.Labels[i]})
	}
	for _, m := range c.Markers {
		if m.Index >= 0 && m.Index < n {
			sh.Markers = append(sh.Markers, chartTick{Pos: plotLeft + slot*float64(m.Index), Label: m.Label})
		}
	}
	partial := -1
	if c.PartialLast {
		partial = n - 1
		sh.PartialX, sh.PartialW = plotLeft+slot*float64(partial), slot
	}
	if c.Lines {
		for _, s := range c.Series {
			// Solid up to the last finished bucket; a gap where a value is
			// undefined; dashed into the partial one.
			var b, dash strings.Builder
			pen := false
			for i := range n {
				v := at(s.Values, i)
				if math.IsNaN(v) {
					pen = false
					continue
				}
				if i == partial {
					if i > 0 && !math.IsNaN(at(s.Values, i-1)) {
						fmt.Fprintf(&dash, "M%.1f %.1f L%.1f %.1f", center(i-1), y(at(s.Values, i-1)), center(i), y(v))
					} else {
						fmt.Fprintf(&dash, "M%.1f %.1f L%.1f %.1f", center(i)-1, y(v), center(i)+1, y(v))
					}
					continue
				}
				cmd := "L"
				if !pen {
					cmd = "M"
				}
				pen = true
				fmt.Fprintf(&b, "%s%.1f %.1f ", cmd, center(i), y(v))
			}
			sh.Paths = append(sh.Paths, strings.TrimSpace(b.String()))
			sh.Dashed = append(sh.Dashed, dash.String())
		}
		return sh
	}
	width := slot * (1 - barGapRatio)
	groups := 1
	if !c.Stacked {
		groups = len(c.Series)
	}
	bw := width / float64(max(groups, 1))
	stack := make([]float64, n)
	for si, s := range c.Series {
		var bars []chartRect
		for i := range n {
			v := at(s.Values, i)
			if math.IsNaN(v) {
				continue
			}
			x := center(i) - width/2
			base := 0.0
			if c.Stacked {
				base = stack[i]
				stack[i] += v
			} else {
				x += bw * float64(si)
			}
			if v > 0 {
				bars = append(bars, chartRect{X: x, Y: y(base + v), W: bw, H: y(base) - y(base+v), Partial: i == partial})
			}
		}
		sh.Bars = append(sh.Bars, bars)
	}
	return sh
}

func (c Chart) format(v float64) string {
	if c.Percent {
		return strconv.FormatFloat(math.Round(v*1000)/10, 'f', -1, 64) + "%"
	}
	return compact(v)
}

// compact writes a count briefly: 950, 1.2k, 3.4M.
func compact(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case v >= 1e4:
		return strconv.FormatFloat(math.Round(v/100)/10, 'f', -1, 64) + "k"
	default:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
