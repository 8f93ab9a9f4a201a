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

// BucketTable is the per-day (or per-hour) table of a report: the page
// shows it under the charts and the CSV export writes the same rows.
func BucketTable(r analytics.Report) ([]string, [][]string) {
	head := []string{"Day", "Sessions", "Inbound messages", "Outbound messages", "Fallback hits", "Fallback rate", "Avg session length (s)"}
	if r.Hourly {
		head[0] = "Hour"
	}
	for _, reason := range store.CloseReasons {
		head = append(head, "Closed: "+closeReasonLabels[reason])
	}
	rows := make([][]string, 0, len(r.Buckets))
	for _, b := range r.Buckets {
		t := analytics.Totals{Counts: b.Counts}
		row := []string{bucketName(b, r.Hourly), itoa64(b.SessionsOpened), itoa64(b.Inbound), itoa64(b.Outbound),
			itoa64(b.FallbackHits), percent(t.FallbackRate()), itoa64(int64(t.AvgSessionLength() / time.Second))}
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

// change compares a number with the previous period's: "+12%", "−5%",
// "no change", or "new" when the previous period had none.
func change(cur, prev float64) (string, string) {
	switch {
	case cur == prev:
		return "no change", "flat"
	case prev == 0:
		return "new", "up"
	}
	d := (cur - prev) / prev * 100
	kind := "up"
	if d < 0 {
		kind = "down"
	}
	r := math.Round(d)
	if math.Abs(d) < 10 {
		r = math.Round(d*10) / 10
	}
	sign := "+"
	if r < 0 {
		sign = "−"
	}
	return sign + strconv.FormatFloat(math.Abs(r), 'f', -1, 64) + "%", kind
}

// Headline is one number of the summary with its change.
type Headline struct {
	Label, Value, Change, Kind, Help string
}

func headlines(r analytics.Report) []Headline {
	c, p := r.Current, r.Previous
	h := func(label, value string, cur, prev float64, help string) Headline {
		ch, kind := change(cur, prev)
		return Headline{Label: label, Value: value, Change: ch, Kind: kind, Help: help}
	}
	return []Headline{
		h("Sessions", grouped(c.SessionsOpened), float64(c.SessionsOpened), float64(p.SessionsOpened), "Sessions opened"),
		h("Unique end users", grouped(c.EndUsers), float64(c.EndUsers), float64(p.EndUsers), "End users who opened a session (estimated to within about 1%)"),
		h("Messages in", grouped(c.Inbound), float64(c.Inbound), float64(p.Inbound), "Messages from end users"),
		h("Messages out", grouped(c.Outbound), float64(c.Outbound), float64(p.Outbound), "Replies sent by the chatbots"),
		h("Avg session length", duration(c.AvgSessionLength()), c.AvgSessionLength().Seconds(), p.AvgSessionLength().Seconds(), "From first to last message, over the sessions that closed"),
		h("Fallback rate", percent(c.FallbackRate()), c.FallbackRate(), p.FallbackRate(), "Inbound messages that nothing matched"),
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
		fallback[i] = analytics.Totals{Counts: b.Counts}.FallbackRate()
		for j, v := range b.Closed {
			closed[j][i] = float64(v)
		}
	}
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
		{ID: "chart-sessions", Title: "Sessions opened", Labels: labels, Markers: markers,
			Series: []Series{{Name: "Sessions", Class: "s1", Values: sessions}}},
		{ID: "chart-messages", Title: "Messages", Labels: labels, Markers: markers, Lines: true,
			Series: []Series{{Name: "Inbound", Class: "s1", Values: in}, {Name: "Outbound", Class: "s2", Values: out}}},
		{ID: "chart-closes", Title: "Sessions closed, by reason", Labels: labels, Markers: markers, Stacked: true, Series: reasons},
		{ID: "chart-fallback", Title: "Fallback rate", Labels: labels, Markers: markers, Lines: true, Percent: true,
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

func previousLabel(q analytics.Query) string {
	if q.Days() == 1 {
		return "the day before"
	}
	return "the previous " + strconv.Itoa(q.Days()) + " days"
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
