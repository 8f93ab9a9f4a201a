package views

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/analytics"
	"github.com/answers-console/answers/internal/store"
)

// TestChange: every card says its change the same way, the difference
// and what it was before ("+695 from 9", "+6,943 from 100"), never an
// absolute change beside a relative one; the percentage, when the base
// is large enough to mean something, is the title.
func TestChange(t *testing.T) {
	for _, tt := range []struct {
		name              string
		cur, prev         float64
		base              int64
		diff, value       func(float64) string
		want, kind, title string
	}{
		{"nothing before, nothing now", 0, 0, 0, countDiff, countValue, "no change", "flat", ""},
		{"nothing before is new, not +∞%", 23, 0, 0, countDiff, countValue, "new", "up", ""},
		{"a base too small: no percentage", 220, 1, 1, countDiff, countValue, "+219 from 1", "up", ""},
		{"a small base going down", 3, 7, 7, countDiff, countValue, "−4 from 7", "down", ""},
		{"at the base a percentage too", 40, 20, 20, countDiff, countValue, "+20 from 20", "up", "+100% on the previous period"},
		{"a large base, small change, one decimal", 1055, 1000, 1000, countDiff, countValue, "+55 from 1,000", "up", "+5.5% on the previous period"},
		{"a large base going down", 500, 1000, 1000, countDiff, countValue, "−500 from 1,000", "down", "−50% on the previous period"},
		{"the reported mix: sessions", 704, 9, 9, countDiff, countValue, "+695 from 9", "up", ""},
		{"the reported mix: messages", 7043, 100, 100, countDiff, countValue, "+6,943 from 100", "up", "+6943% on the previous period"},
		{"equal is no change", 1000, 1000, 1000, countDiff, countValue, "no change", "flat", ""},
		{"a rate in points", 0.5, 0.25, 4, pointsDiff, percent, "+25.0 pts from 25.0%", "up", ""},
		{"a rate of zero before", 0.1, 0, 500, pointsDiff, percent, "+10.0 pts from 0.0%", "up", ""},
		{"a rate over many messages", 0.12, 0.1, 500, pointsDiff, percent, "+2.0 pts from 10.0%", "up", "+20% on the previous period"},
		{"a rate with none before is new", 0.1, 0, 0, pointsDiff, percent, "new", "up", ""},
		{"a length as a duration", 135, 90, 3, durationDiff, durationValue, "+45s from 1m 30s", "up", ""},
		{"a length going down", 60, 200, 3, durationDiff, durationValue, "−2m 20s from 3m 20s", "down", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, kind, title := Change(tt.cur, tt.prev, tt.base, tt.diff, tt.value)
			if got != tt.want || kind != tt.kind || title != tt.title {
				t.Errorf("Change(%v, %v, %d) = %q %q %q, want %q %q %q", tt.cur, tt.prev, tt.base, got, kind, title, tt.want, tt.kind, tt.title)
			}
		})
	}
}

func testReport(cur, prev store.Counts, buckets ...analytics.Bucket) analytics.Report {
	return analytics.Report{Current: analytics.Totals{Counts: cur}, Previous: analytics.Totals{Counts: prev}, Buckets: buckets}
}

func headline(t *testing.T, r analytics.Report, label string) Headline {
	t.Helper()
	for _, h := range headlines(r) {
		if h.Label == label {
			return h
		}
	}
	t.Fatalf("no headline %q", label)
	return Headline{}
}

func TestHeadlinesUndefined(t *testing.T) {
	var closed [6]int64
	closed[0] = 2
	for _, tt := range []struct {
		name                 string
		r                    analytics.Report
		label, value, change string
	}{
		{"no inbound: no fallback rate", testReport(store.Counts{}, store.Counts{Inbound: 40, FallbackHits: 4}), "Fallback rate", "–", ""},
		{"no closed session: no length", testReport(store.Counts{SessionsOpened: 3}, store.Counts{}), "Avg session length", "–", ""},
		{"a rate against none before", testReport(store.Counts{Inbound: 10, FallbackHits: 1}, store.Counts{}), "Fallback rate", "10.0%", "new"},
		{"a count from a near-empty period", testReport(store.Counts{SessionsOpened: 221}, store.Counts{SessionsOpened: 1}), "Sessions", "221", "+220 from 1"},
		{"a length in the headline's unit", testReport(store.Counts{Closed: closed, SessionSeconds: 270}, store.Counts{}), "Avg session length", "2m 15s", "new"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := headline(t, tt.r, tt.label)
			if h.Value != tt.value || h.Change != tt.change {
				t.Errorf("%s = %q %q, want %q %q", tt.label, h.Value, h.Change, tt.value, tt.change)
			}
		})
	}
}

func TestBucketTableUndefinedAndPartial(t *testing.T) {
	var closed [6]int64
	closed[0] = 2
	day := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	r := testReport(store.Counts{}, store.Counts{},
		analytics.Bucket{Start: day},
		analytics.Bucket{Start: day.AddDate(0, 0, 1), Partial: true, Counts: store.Counts{Inbound: 4, FallbackHits: 1, Closed: closed, SessionSeconds: 270}})
	head, rows := BucketTable(r)
	if head[6] != "Avg session length" {
		t.Errorf("head %q", head[6])
	}
	if rows[0][5] != "–" || rows[0][6] != "–" {
		t.Errorf("an empty day shows %q %q, want – –", rows[0][5], rows[0][6])
	}
	if rows[1][0] != "2026-11-29 (Sun) so far" || rows[1][5] != "25.0%" || rows[1][6] != "2m 15s" {
		t.Errorf("the day under way: %q", rows[1])
	}
	head, rows = BucketCSV(r)
	if head[6] != "Avg session length (s)" || rows[0][5] != "" || rows[1][0] != "2026-11-29 (Sun)" || rows[1][6] != "135" {
		t.Errorf("csv %q %q", head, rows)
	}
}

func TestChartPartialAndGaps(t *testing.T) {
	c := Chart{Labels: []string{"a", "b", "c", "d"}, Lines: true, Percent: true, PartialLast: true,
		Series: []Series{{Values: []float64{0.1, math.NaN(), 0.2, 0.05}}}}
	sh := c.shape()
	// A gap where the rate is undefined: the solid path starts twice.
	if got := strings.Count(sh.Paths[0], "M"); got != 2 {
		t.Errorf("path %q: %d moves, want 2", sh.Paths[0], got)
	}
	if sh.Dashed[0] == "" || sh.PartialW == 0 {
		t.Errorf("no dashed segment into the day under way: %+v", sh)
	}
	bars := Chart{Labels: []string{"a", "b"}, PartialLast: true, Series: []Series{{Values: []float64{5, 1}}}}.shape()
	if len(bars.Bars[0]) != 2 || bars.Bars[0][0].Partial || !bars.Bars[0][1].Partial {
		t.Errorf("bars %+v: only the last is partial", bars.Bars[0])
	}
	if none := (Chart{Labels: []string{"a"}, Series: []Series{{Values: []float64{1}}}}).shape(); none.PartialW != 0 || none.Bars[0][0].Partial {
		t.Errorf("a chart without a day under way draws one")
	}
}
