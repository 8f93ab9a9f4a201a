package web

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
)

// sessionFilter reads a session list's filters from the query, the same
// for the console list and the API: status (or the console's older name,
// state) open|closed, end_user, reason, from and to (YYYY-MM-DD, whole days
// in loc — UTC in the API, the viewer's zone in the console — to inclusive,
// or RFC 3339 times), fallback (1 or true: only conversations that hit the
// fallback), before (keyset) and limit.
func sessionFilter(c echo.Context, botID int64, loc *time.Location) (store.SessionFilter, error) {
	f := store.SessionFilter{ChatbotID: botID, Limit: 50}
	q := c.QueryParams()
	status := q.Get("status")
	if status == "" {
		status = q.Get("state")
	}
	switch status {
	case "":
	case "open", "closed":
		open := status == "open"
		f.Open = &open
	default:
		return f, problem.Field("status", "Unknown session status %q: use open or closed.", status)
	}
	f.EndUser = strings.TrimSpace(q.Get("end_user"))
	if len(f.EndUser) > 1024 {
		return f, problem.Field("end_user", "end_user is at most 1024 bytes.")
	}
	if f.Reason = q.Get("reason"); f.Reason != "" && !slices.Contains(store.CloseReasons, f.Reason) {
		return f, problem.Field("reason", "Unknown close reason %q: use one of %s.", f.Reason, strings.Join(store.CloseReasons, ", "))
	}
	switch q.Get("fallback") {
	case "", "0", "false":
	case "1", "true":
		f.Fallback = true
	default:
		return f, problem.Field("fallback", "fallback is 1 (only conversations that hit the fallback) or empty.")
	}
	var err error
	if f.From, err = filterTime(q.Get("from"), "from", false, loc); err != nil {
		return f, err
	}
	if f.To, err = filterTime(q.Get("to"), "to", true, loc); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, problem.Field("to", "The end date must not be before the start date.")
	}
	if v := q.Get("before"); v != "" {
		if f.Before, err = strconv.ParseInt(v, 10, 64); err != nil || f.Before <= 0 {
			return f, problem.Field("before", "The page marker %q is not valid.", v)
		}
	}
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > 500 {
			return f, problem.Field("limit", "limit is a number from 1 to 500.")
		}
	}
	return f, nil
}

// filterTime reads a date (a whole day in loc; end says the day counts up
// to its end) or an RFC 3339 time; "" is unbounded.
func filterTime(v, field string, end bool, loc *time.Location) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, problem.Field(field, "%s must be a date (2026-03-01) or an RFC 3339 time.", field)
}
