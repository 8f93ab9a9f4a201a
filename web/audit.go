package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/views"
)

const auditPageSize = 50

func (s *Server) auditLog(c echo.Context) error {
	var before int64
	if v := c.QueryParam("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return problem.Field("before", "The page marker %q is not valid.", v)
		}
		before = n
	}
	p, err := s.cfg.Store.AuditEntries(c.Request().Context(), before, auditPageSize)
	if err != nil {
		return err
	}
	if isHTMX(c) {
		return s.render(c, http.StatusOK, views.AuditRows(p))
	}
	return s.render(c, http.StatusOK, views.AuditPage(p))
}
