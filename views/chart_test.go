package views

import (
	"strings"
	"testing"
)

func TestNiceCeil(t *testing.T) {
	for _, tt := range []struct{ in, want float64 }{
		{0, 1}, {0.3, 0.5}, {1, 1}, {3, 5}, {7.5, 10}, {11, 20}, {24, 25}, {26, 50}, {101, 200},
	} {
		if got := niceCeil(tt.in); got != tt.want {
			t.Errorf("niceCeil(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestChartShape(t *testing.T) {
	labels := []string{"a", "b", "c"}
	tests := []struct {
		name   string
		chart  Chart
		yTop   string // the label of the highest tick
		bars   []int  // bars drawn per series
		empty  bool
		marker int
	}{
		{"counts get whole steps", Chart{Labels: labels, Series: []Series{{Values: []float64{3, 0, 33}}}}, "40", []int{2}, false, 0},
		{"stacked adds up", Chart{Labels: labels, Stacked: true, Series: []Series{{Values: []float64{3, 1, 0}}, {Values: []float64{5, 0, 0}}}}, "8", []int{2, 1}, false, 0},
		{"all zero is no data", Chart{Labels: labels, Series: []Series{{Values: []float64{0, 0, 0}}}}, "4", []int{0}, true, 0},
		{"a zero rate is data", Chart{Labels: labels, Percent: true, Lines: true, Series: []Series{{Values: []float64{0, 0, 0}}}}, "4%", nil, false, 0},
		{"rates as whole percents", Chart{Labels: labels, Percent: true, Lines: true, Series: []Series{{Values: []float64{0.113, 0, 0.02}}}}, "20%", nil, false, 0},
		{"markers inside the range only", Chart{Labels: labels, Series: []Series{{Values: []float64{1, 1, 1}}}, Markers: []ChartMarker{{1, "#2"}, {5, "#3"}}}, "4", []int{3}, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh := tt.chart.shape()
			if top := sh.YTicks[len(sh.YTicks)-1].Label; top != tt.yTop {
				t.Errorf("top tick %q, want %q", top, tt.yTop)
			}
			for i, n := range tt.bars {
				if len(sh.Bars[i]) != n {
					t.Errorf("series %d: %d bars, want %d", i, len(sh.Bars[i]), n)
				}
			}
			if sh.Empty != tt.empty || len(sh.Markers) != tt.marker {
				t.Errorf("empty %v markers %d", sh.Empty, len(sh.Markers))
			}
			if tt.chart.Lines && (len(sh.Paths) != 1 || !strings.HasPrefix(sh.Paths[0], "M")) {
				t.Errorf("paths %v", sh.Paths)
			}
			for _, bars := range sh.Bars {
				for _, b := range bars {
					if b.Y < plotTop-0.01 || b.Y+b.H > chartH-plotBottom+0.01 || b.H <= 0 {
						t.Errorf("bar %+v outside the plot", b)
					}
				}
			}
		})
	}
}
