package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/views"
)

const auditPageSize = 50

// auditFilter reads the audit filters from the URL: actor, action
// (exact, or a prefix ending in "."), target_type, target, from and to
// (dates, YYYY-MM-DD, in the viewer's zone; "to" includes its whole day)
// and the page
// marker before (or cursor, in the API).
func auditFilter(c echo.Context) (store.AuditFilter, views.AuditQuery, error) {
	q := views.AuditQuery{
		Actor: strings.TrimSpace(c.QueryParam("actor")), Action: strings.TrimSpace(c.QueryParam("action")),
		TargetType: strings.TrimSpace(c.QueryParam("target_type")), Target: strings.TrimSpace(c.QueryParam("target")),
		From: c.QueryParam("from"), To: c.QueryParam("to"),
	}
	f := store.AuditFilter{Actor: q.Actor, Action: q.Action, TargetType: q.TargetType, Target: q.Target, Limit: auditPageSize}
	for _, v := range []*string{&q.Actor, &q.Action, &q.TargetType, &q.Target} {
		if len(*v) > 200 {
			return f, q, problem.Field("filter", "A filter is at most 200 characters.")
		}
	}
	// Days are the viewer's: the tz parameter, else the browser's zone.
	loc := viewerZone(c)
	if tz := c.QueryParam("tz"); tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			return f, q, problem.Field("tz", "Unknown time zone %q: use a name such as Europe/Berlin.", tz)
		}
		loc = l
	}
	day := func(name, v string) (time.Time, error) {
		if v == "" {
			return time.Time{}, nil
		}
		t, err := time.ParseInLocation("2006-01-02", v, loc)
		if err != nil {
			return t, problem.Field(name, "The date %q is not a date like 2026-03-31.", v)
		}
		return t, nil
	}
	var err error
	if f.From, err = day("from", q.From); err != nil {
		return f, q, err
	}
	if f.To, err = day("to", q.To); err != nil {
		return f, q, err
	}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1)
	}
	marker := c.QueryParam("before")
	if marker == "" {
		marker = c.QueryParam("cursor")
	}
	if marker != "" {
		n, err := strconv.ParseInt(marker, 10, 64)
		if err != nil || n <= 0 {
			return f, q, problem.Field("before", "The page marker %q is not valid.", marker)
		}
		f.Before = n
	}
	return f, q, nil
}

func (s *Server) auditLog(c echo.Context) error {
	f, q, err := auditFilter(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := s.cfg.Store.FilterAudit(ctx, f)
	if err != nil {
		return err
	}
	if isHTMX(c) && f.Before > 0 {
		return s.render(c, http.StatusOK, views.AuditRows(p, q))
	}
	if isHTMX(c) && c.Request().Header.Get("HX-Target") == "audit-list" {
		return s.render(c, http.StatusOK, views.AuditList(p, q))
	}
	actions, err := s.cfg.Store.AuditActions(ctx)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.AuditPage(p, q, actions))
}

// auditExport streams the filtered entries as CSV or JSON lines.
func (s *Server) auditExport(c echo.Context) error {
	f, _, err := auditFilter(c)
	if err != nil {
		return err
	}
	format := c.Param("format")
	if format != "csv" && format != "jsonl" {
		return problem.New(problem.NotFound, "unknown_format", "Export as audit.csv or audit.jsonl.")
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="audit.`+format+`"`)
	ctx := c.Request().Context()
	if format == "jsonl" {
		h.Set("Content-Type", "application/x-ndjson")
		c.Response().WriteHeader(http.StatusOK)
		enc := json.NewEncoder(c.Response())
		return s.cfg.Store.EachAudit(ctx, f, func(e audit.Entry) error { return enc.Encode(auditJSON(e)) })
	}
	h.Set("Content-Type", "text/csv; charset=utf-8")
	c.Response().WriteHeader(http.StatusOK)
	w := newCSV(c.Response())
	if err := w.Write([]string{"id", "time", "actor", "action", "target_type", "target_id", "target_name", "details", "ip", "hash"}); err != nil {
		return err
	}
	err = s.cfg.Store.EachAudit(ctx, f, func(e audit.Entry) error {
		return w.Write([]string{itoa(e.ID), e.At.UTC().Format(time.RFC3339Nano), e.ActorName, e.Action, e.TargetType, e.TargetID, e.TargetName,
			e.DetailsJSON(), e.IP, e.Hash})
	})
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	return err
}

// auditVerify runs the chain check of `answers audit verify`.
func (s *Server) auditVerify(c echo.Context) error {
	n, err := s.cfg.Store.VerifyAudit(c.Request().Context())
	res := views.VerifyResult{Checked: n, OK: err == nil}
	if err != nil {
		// The store may wrap the break (errors.As, not a type assertion).
		var brk *audit.Break
		if !errors.As(err, &brk) {
			return err
		}
		res.Problem = err.Error()
	}
	return s.render(c, http.StatusOK, views.VerifyPanel(res))
}
