package views

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/answers-console/answers/internal/analytics"
	"github.com/answers-console/answers/internal/store"
)

// AnalyticsData is the analytics page: the report and the choices of its
// filters.
type AnalyticsData struct {
	Form     AnalyticsForm
	Report   analytics.Report    // none when the form has errors
	Chatbots []store.ChatbotName // the chatbot picker
	Releases []store.Release     // of the chosen chatbot, newest first
}

// AnalyticsForm is the filter form as shown: the checked query, or what
// was typed with the refusals next to their fields.
type AnalyticsForm struct {
	Chatbot, Release, Range, From, To, TZ string
	Errors                                map[string]string
}

// FormOf shows a checked query in the form.
func FormOf(q analytics.Query) AnalyticsForm {
	f := AnalyticsForm{Range: q.Range, From: q.From.Format(time.DateOnly), To: q.To.Format(time.DateOnly), TZ: q.Loc.String()}
	if q.ChatbotID != 0 {
		f.Chatbot = idString(q.ChatbotID)
	}
	if q.ReleaseID != 0 {
		f.Release = idString(q.ReleaseID)
	}
	return f
}

// closeReasonLabels name the close reasons for people.
var closeReasonLabels = map[string]string{
	store.CloseCompleted:   "Completed",
	store.CloseTimeout:     "Timed out",
	store.CloseDeactivated: "Deactivated",
	store.CloseGraceEnded:  "Grace ended",
	store.CloseSuperseded:  "Superseded",
	store.CloseStepLimit:   "Step limit",
}

// BucketTable is the per-day (or per-hour) table of the page: durations
// written as the headline writes them, "–" for a rate or a length a bucket
// has no data for, and the bucket under way marked "so far".
func BucketTable(r analytics.Report) ([]string, [][]string) { return bucketRows(r, false) }

// BucketCSV is the same table for the CSV export: plain numbers
// (durations in seconds), empty cells where BucketTable shows "–".
func BucketCSV(r analytics.Report) ([]string, [][]string) { return bucketRows(r, true) }

func bucketRows(r analytics.Report, csv bool) ([]string, [][]string) {
	length := "Avg session length"
	if csv {
		length += " (s)"
	}
	head := []string{"Day", "Sessions", "Inbound messages", "Outbound messages", "Fallback hits", "Fallback rate", length}
	if r.Hourly {
		head[0] = "Hour"
	}
	for _, reason := range store.CloseReasons {
		head = append(head, "Closed: "+closeReasonLabels[reason])
	}
	none := "–"
	if csv {
		none = ""
	}
	rows := make([][]string, 0, len(r.Buckets))
	for _, b := range r.Buckets {
		t := analytics.Totals{Counts: b.Counts}
		rate, avg := none, none
		if t.HasRate() {
			rate = percent(t.FallbackRate())
		}
		if t.HasLength() {
			if csv {
				avg = itoa64(int64(t.AvgSessionLength() / time.Second))
			} else {
				avg = duration(t.AvgSessionLength())
			}
		}
		name := bucketName(b, r.Hourly)
		if b.Partial && !csv {
			name += " so far"
		}
		row := []string{name, itoa64(b.SessionsOpened), itoa64(b.Inbound), itoa64(b.Outbound), itoa64(b.FallbackHits), rate, avg}
		for _, n := range b.Closed {
			row = append(row, itoa64(n))
		}
		rows = append(rows, row)
	}
	return head, rows
}

// DialogTable is the per-dialog table of a report, as shown and exported.
func DialogTable(r analytics.Report) ([]string, [][]string) {
	head := []string{"Dialog", "Dialog id", "Entries", "Sessions ended here"}
	var rows [][]string
	for _, d := range r.Dialogs {
		name := d.Name
		if d.Removed {
			name += " (removed)"
		}
		rows = append(rows, []string{name, d.DialogID, itoa64(d.Entries), itoa64(d.Ended)})
	}
	return head, rows
}

func bucketName(b analytics.Bucket, hourly bool) string {
	if hourly {
		return b.Start.Format("2006-01-02 15:04")
	}
	return b.Start.Format("2006-01-02 (Mon)")
}

func bucketLabel(b analytics.Bucket, hourly bool) string {
	if hourly {
		return b.Start.Format("15:04")
	}
	return b.Start.Format("Jan 2")
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// grouped writes a count with thousands separators: 12,345.
func grouped(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

func percent(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + "%" }

// duration writes a session length briefly: 45s, 3m 20s, 1h 05m.
func duration(d time.Duration) string {
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm %02ds", s/60, s%60)
	default:
		return fmt.Sprintf("%dh %02dm", s/3600, s%3600/60)
	}
}

// MinBase is the smallest previous-period sample a percentage change is
// computed against: below it a percentage says more about chance than
// about the chatbot ("+2200%" from 1 to 23), so the change is written as a
// difference instead.
const MinBase = 20

// Change compares a number with the previous period's, the same way on
// every card: the difference and what it was ("+695 from 9"), so that no
// card shows an absolute change beside another's percentage. base is how
// much the previous number rests on (the count itself for counts, the
// inbound messages for a rate, the closed sessions for a length); 0 means
// the previous period had no such number. diff writes a difference, value
// the previous number. It returns the text, its kind (up, down, flat) and
// a title with the relative change when the base is large enough for a
// percentage to mean something ("" otherwise).
func Change(cur, prev float64, base int64, diff, value func(float64) string) (text, kind, title string) {
	kind = "up"
	if cur < prev {
		kind = "down"
	}
	switch {
	case base == 0 && cur == 0:
		return "no change", "flat", ""
	case base == 0:
		return "new", "up", ""
	case cur == prev:
		return "no change", "flat", ""
	}
	text = diff(cur-prev) + " from " + value(prev)
	if base < MinBase || prev == 0 {
		// Below it a percentage says more about chance than about the
		// chatbot ("+2200%" from 1 to 23); a rate or length of zero is no
		// base for one either.
		return text, kind, ""
	}
	d := (cur - prev) / prev * 100
	r := math.Round(d)
	if math.Abs(d) < 10 {
		r = math.Round(d*10) / 10
	}
	return text, kind, signed(r) + strconv.FormatFloat(math.Abs(r), 'f', -1, 64) + "% on the previous period"
}

func signed(v float64) string {
	if v < 0 {
		return "−"
	}
	return "+"
}

// countDiff, pointsDiff and durationDiff write absolute differences.
func countDiff(d float64) string { return signed(d) + grouped(int64(math.Abs(d))) }
func pointsDiff(d float64) string {
	return signed(d) + strconv.FormatFloat(math.Abs(math.Round(d*1000)/10), 'f', 1, 64) + " pts"
}
func durationDiff(d float64) string {
	return signed(d) + duration(time.Duration(math.Abs(d))*time.Second)
}

// countValue and durationValue write the previous number a change is from.
func countValue(v float64) string    { return grouped(int64(v)) }
func durationValue(v float64) string { return duration(time.Duration(v) * time.Second) }

// Headline is one number of the summary with its change.
type Headline struct {
	Label, Value, Change, Kind, Help string
	// ChangeTitle is the relative change, where it means something.
	ChangeTitle string
}

func headlines(r analytics.Report) []Headline {
	c, p := r.Current, r.Previous
	count := func(label string, cur, prev int64, help string) Headline {
		ch, kind, title := Change(float64(cur), float64(prev), prev, countDiff, countValue)
		return Headline{Label: label, Value: grouped(cur), Change: ch, Kind: kind, Help: help, ChangeTitle: title}
	}
	length := Headline{Label: "Avg session length", Value: "–", Help: "From first to last message, over the sessions that closed"}
	if c.HasLength() {
		length.Value = duration(c.AvgSessionLength())
		length.Change, length.Kind, length.ChangeTitle = Change(c.AvgSessionLength().Seconds(), p.AvgSessionLength().Seconds(), p.ClosedTotal(), durationDiff, durationValue)
	}
	rate := Headline{Label: "Fallback rate", Value: "–", Help: "Inbound messages that nothing matched"}
	if c.HasRate() {
		rate.Value = percent(c.FallbackRate())
		rate.Change, rate.Kind, rate.ChangeTitle = Change(c.FallbackRate(), p.FallbackRate(), p.Inbound, pointsDiff, percent)
	}
	return []Headline{
		count("Sessions", c.SessionsOpened, p.SessionsOpened, "Sessions opened"),
		count("Unique end users", c.EndUsers, p.EndUsers, "End users who opened a session (estimated to within about 1%)"),
		count("Messages in", c.Inbound, p.Inbound, "Messages from end users"),
		count("Messages out", c.Outbound, p.Outbound, "Replies sent by the chatbots"),
		length,
		rate,
	}
}

// charts builds the four charts of a report.
func charts(r analytics.Report) []Chart {
	n := len(r.Buckets)
	labels := make([]string, n)
	sessions, in, out, fallback := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	closed := make([][]float64, len(store.CloseReasons))
	for i := range closed {
		closed[i] = make([]float64, n)
	}
	for i, b := range r.Buckets {
		labels[i] = bucketLabel(b, r.Hourly)
		sessions[i], in[i], out[i] = float64(b.SessionsOpened), float64(b.Inbound), float64(b.Outbound)
		fallback[i] = math.NaN() // no inbound messages: no rate, drawn as a gap
		if t := (analytics.Totals{Counts: b.Counts}); t.HasRate() {
			fallback[i] = t.FallbackRate()
		}
		for j, v := range b.Closed {
			closed[j][i] = float64(v)
		}
	}
	partial := n > 0 && r.Buckets[n-1].Partial
	var markers []ChartMarker
	for _, rel := range r.Releases {
		for i := n - 1; i >= 0; i-- {
			if !rel.ActivatedAt.Before(r.Buckets[i].Start) {
				markers = append(markers, ChartMarker{Index: i, Label: "#" + strconv.Itoa(rel.Number)})
				break
			}
		}
	}
	var reasons []Series
	for j, reason := range store.CloseReasons {
		reasons = append(reasons, Series{Name: closeReasonLabels[reason], Class: "s" + strconv.Itoa(j+1), Values: closed[j]})
	}
	return []Chart{
		{ID: "chart-sessions", PartialLast: partial, Title: "Sessions opened", Labels: labels, Markers: markers,
			Series: []Series{{Name: "Sessions", Class: "s1", Values: sessions}}},
		{ID: "chart-messages", PartialLast: partial, Title: "Messages", Labels: labels, Markers: markers, Lines: true,
			Series: []Series{{Name: "Inbound", Class: "s1", Values: in}, {Name: "Outbound", Class: "s2", Values: out}}},
		{ID: "chart-closes", PartialLast: partial, Title: "Sessions closed, by reason", Labels: labels, Markers: markers, Stacked: true, Series: reasons},
		{ID: "chart-fallback", PartialLast: partial, Title: "Fallback rate", Labels: labels, Markers: markers, Lines: true, Percent: true,
			Series: []Series{{Name: "Fallback rate", Class: "s3", Values: fallback}}},
	}
}

// rangeLabel says which days a report covers.
func rangeLabel(q analytics.Query) string {
	if q.Days() == 1 {
		return q.From.Format("Mon, Jan 2, 2006")
	}
	return q.From.Format("Jan 2, 2006") + " – " + q.To.Format("Jan 2, 2006")
}

func previousLabel(r analytics.Report) string {
	label := "the previous " + strconv.Itoa(r.Query.Days()) + " days"
	if r.Query.Days() == 1 {
		label = "the day before"
	}
	if r.PreviousCut {
		label += " up to the same hour"
	}
	return label
}

// quiet reports whether a report has no traffic at all to draw.
func quiet(r analytics.Report) bool {
	c := r.Current
	return c.SessionsOpened == 0 && c.Inbound == 0 && c.ClosedTotal() == 0
}

func bucketHeading(r analytics.Report) string {
	if r.Hourly {
		return "By hour"
	}
	return "By day"
}
