package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/analytics"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/views"
)

// chatbotPickerSize bounds the analytics chatbot picker: the most recently
// activated chatbots (drafts have no traffic).
const chatbotPickerSize = 500

// tzCookie holds the viewer's time zone; app.js sets it from the browser.
const tzCookie = "answers_tz"

// analyticsQuery reads the analytics filters from the URL. The time zone
// is the URL's, else the browser's (cookie), else UTC.
func (s *Server) analyticsQuery(c echo.Context) (analytics.Query, error) {
	in := analytics.Input{
		Chatbot: c.QueryParam("chatbot"), Release: c.QueryParam("release"), Range: c.QueryParam("range"),
		From: c.QueryParam("from"), To: c.QueryParam("to"), TZ: c.QueryParam("tz"),
	}
	if in.TZ == "" {
		in.TZ = viewerZone(c).String()
	}
	return s.cfg.Analytics.ParseQuery(c.Request().Context(), in)
}

// analyticsReport is the report the URL asks for.
func (s *Server) analyticsReport(c echo.Context) (analytics.Report, error) {
	q, err := s.analyticsQuery(c)
	if err != nil {
		return analytics.Report{}, err
	}
	return s.cfg.Analytics.Report(c.Request().Context(), actor(c), q)
}

// viewerZone is the browser's time zone from the cookie app.js sets, or
// UTC.
func viewerZone(c echo.Context) *time.Location {
	if ck, err := c.Cookie(tzCookie); err == nil && ck.Value != "" && len(ck.Value) < 64 && ck.Value != "Local" {
		if loc, err := time.LoadLocation(ck.Value); err == nil {
			return loc
		}
	}
	return time.UTC
}

// analyticsData builds the page. A refused filter comes back as the form
// with the message next to its field (and status 422), not as an error.
func (s *Server) analyticsData(c echo.Context) (views.AnalyticsData, int, error) {
	ctx := c.Request().Context()
	var d views.AnalyticsData
	var err error
	if d.Chatbots, err = s.cfg.Store.ChatbotPicker(ctx, chatbotPickerSize); err != nil {
		return d, 0, err
	}
	q, err := s.analyticsQuery(c)
	if err == nil {
		d.Report, err = s.cfg.Analytics.Report(ctx, actor(c), q)
	}
	if p, ok := problem.As(err); ok && p.Field != "" {
		d.Form = views.AnalyticsForm{Chatbot: c.QueryParam("chatbot"), Release: c.QueryParam("release"), Range: c.QueryParam("range"),
			From: c.QueryParam("from"), To: c.QueryParam("to"), TZ: c.QueryParam("tz"), Errors: map[string]string{p.Field: p.Message}}
		if d.Form.Range == "" {
			d.Form.Range = analytics.RangeCustom
		}
		return d, http.StatusUnprocessableEntity, nil
	} else if err != nil {
		return d, 0, err
	}
	d.Form = views.FormOf(q)
	r := d.Report
	if r.Chatbot.ID != 0 {
		if !pickerHas(d.Chatbots, r.Chatbot.ID) {
			d.Chatbots = append([]store.ChatbotName{{ID: r.Chatbot.ID, Name: r.Chatbot.Name}}, d.Chatbots...)
		}
		if d.Releases, err = s.cfg.Store.Releases(ctx, r.Chatbot.ID); err != nil {
			return d, 0, err
		}
	}
	return d, http.StatusOK, nil
}

func pickerHas(list []store.ChatbotName, id int64) bool {
	for _, c := range list {
		if c.ID == id {
			return true
		}
	}
	return false
}

// analyticsPage is GET /analytics; the filters swap #analytics-view.
func (s *Server) analyticsPage(c echo.Context) error {
	d, status, err := s.analyticsData(c)
	if err != nil {
		return err
	}
	if isHTMX(c) && c.Request().Header.Get("HX-Target") == "analytics-view" {
		return s.render(c, status, views.AnalyticsView(d))
	}
	return s.render(c, status, views.AnalyticsPage(d))
}

// analyticsExport is GET /analytics/export.csv: the table the page shows
// for the same filters, by day (table=days) or by dialog (table=dialogs).
func (s *Server) analyticsExport(c echo.Context) error {
	table := views.BucketCSV
	name := "days"
	switch c.QueryParam("table") {
	case "", "days":
	case "dialogs":
		table, name = views.DialogTable, "dialogs"
	default:
		return problem.Field("table", "Export the days or the dialogs table.")
	}
	r, err := s.analyticsReport(c)
	if err != nil {
		return err
	}
	q := r.Query
	head, rows := table(r)
	h := c.Response().Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="analytics-`+name+`-`+q.From.Format("20060102")+`-`+q.To.Format("20060102")+`.csv"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	w := newCSV(c.Response())
	for _, row := range append([][]string{head}, rows...) {
		if err := w.Write(row); err != nil {
			return err
		}
	}
	return w.Flush()
}
