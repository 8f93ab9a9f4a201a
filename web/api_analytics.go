package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/analytics"
	"github.com/answers-console/answers/internal/store"
)

type apiCounts struct {
	SessionsOpened    int64            `json:"sessions_opened"`
	Inbound           int64            `json:"inbound_messages"`
	Outbound          int64            `json:"outbound_messages"`
	FallbackHits      int64            `json:"fallback_hits"`
	FallbackRate      *float64         `json:"fallback_rate"`       // null without inbound messages
	AvgSessionSeconds *int64           `json:"avg_session_seconds"` // null without closed sessions
	Closed            map[string]int64 `json:"sessions_closed"`
}

func countsJSON(c store.Counts) apiCounts {
	t := analytics.Totals{Counts: c}
	out := apiCounts{SessionsOpened: c.SessionsOpened, Inbound: c.Inbound, Outbound: c.Outbound, FallbackHits: c.FallbackHits,
		Closed: map[string]int64{}}
	// A period with nothing to measure has no rate or length, not 0.
	if t.HasRate() {
		rate := t.FallbackRate()
		out.FallbackRate = &rate
	}
	if t.HasLength() {
		secs := int64(t.AvgSessionLength() / time.Second)
		out.AvgSessionSeconds = &secs
	}
	for i, reason := range store.CloseReasons {
		out.Closed[reason] = c.Closed[i]
	}
	return out
}

type apiTotals struct {
	apiCounts
	UniqueEndUsers int64 `json:"unique_end_users"`
}

type apiBucket struct {
	Start time.Time `json:"start"`
	apiCounts
}

type apiDialog struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Removed bool   `json:"removed"`
	Entries int64  `json:"entries"`
	Ended   int64  `json:"sessions_ended"`
}

type apiActivation struct {
	ReleaseID   int64     `json:"release_id"`
	Number      int       `json:"number"`
	ActivatedAt time.Time `json:"activated_at"`
	ActivatedBy string    `json:"activated_by"`
}

type apiReportJSON struct {
	ChatbotID   int64     `json:"chatbot_id,omitempty"`
	ReleaseID   int64     `json:"release_id,omitempty"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	TimeZone    string    `json:"time_zone"`
	Granularity string    `json:"granularity"`
	Current     apiTotals `json:"current"`
	Previous    apiTotals `json:"previous"`
	// PreviousCut: the range is under way, and previous covers only as
	// many hours from its start as the range has had so far.
	PreviousCut bool            `json:"previous_cut"`
	Buckets     []apiBucket     `json:"buckets"`
	Dialogs     []apiDialog     `json:"dialogs,omitempty"`
	Activations []apiActivation `json:"activations,omitempty"`
}

func apiReport(r analytics.Report) apiReportJSON {
	q := r.Query
	out := apiReportJSON{
		ChatbotID: q.ChatbotID, ReleaseID: q.ReleaseID, From: q.From.Format(time.DateOnly), To: q.To.Format(time.DateOnly),
		TimeZone: q.Loc.String(), Granularity: "day",
		Current:  apiTotals{countsJSON(r.Current.Counts), r.Current.EndUsers},
		Previous: apiTotals{countsJSON(r.Previous.Counts), r.Previous.EndUsers},
		Buckets:  make([]apiBucket, 0, len(r.Buckets)), PreviousCut: r.PreviousCut,
	}
	if r.Hourly {
		out.Granularity = "hour"
	}
	for _, b := range r.Buckets {
		out.Buckets = append(out.Buckets, apiBucket{b.Start, countsJSON(b.Counts)})
	}
	for _, d := range r.Dialogs {
		out.Dialogs = append(out.Dialogs, apiDialog{d.DialogID, d.Name, d.Removed, d.Entries, d.Ended})
	}
	for _, rel := range r.Releases {
		out.Activations = append(out.Activations, apiActivation{rel.ID, rel.Number, rel.ActivatedAt, rel.ActivatedBy})
	}
	return out
}

// apiAnalytics is GET /api/v1/analytics: the report as JSON, same filters.
func (s *Server) apiAnalytics(c echo.Context) error {
	r, err := s.analyticsReport(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiReport(r))
}
