package web

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/views"
)

// statusOf maps a service refusal to its HTTP status. It is the only such
// mapping.
func statusOf(k problem.Kind) int {
	switch k {
	case problem.Invalid:
		return http.StatusUnprocessableEntity
	case problem.Unauthorized:
		return http.StatusUnauthorized
	case problem.Forbidden:
		return http.StatusForbidden
	case problem.NotFound:
		return http.StatusNotFound
	case problem.Conflict:
		return http.StatusConflict
	case problem.TooMany:
		return http.StatusTooManyRequests
	case problem.TooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// apiError is the JSON error body of SPEC §6.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details any    `json:"details,omitempty"`
}

// handleError is Echo's one error handler: it answers API paths with JSON
// and everything else with an error page (or, for htmx, a small fragment).
// Unknown errors are logged with the request id and shown without detail.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, code, msg := http.StatusInternalServerError, "internal", "Something went wrong on our side. The error was logged."
	var retryAfter int
	var details any
	var he *echo.HTTPError
	if p, ok := problem.As(err); ok {
		status, code, msg, details = statusOf(p.Kind), p.Code, p.Message, p.Details
		retryAfter = retryAfterSeconds(p.RetryAfter)
	} else if errors.As(err, &he) {
		status = he.Code
		code = strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_"))
		switch status {
		case http.StatusNotFound:
			msg = "There is no page at this address."
		case http.StatusMethodNotAllowed:
			msg = "This address does not accept that method."
		case http.StatusRequestEntityTooLarge:
			msg = "The request is too large."
		default:
			if m, ok := he.Message.(string); ok && status < 500 {
				msg = m
			}
		}
	}
	reqID := c.Response().Header().Get(echo.HeaderXRequestID)
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		// The client went away before the answer (a closed connection, a
		// cancelled fetch): nothing failed on our side, and whatever the
		// request was doing was rolled back. Logged, not alarmed about.
		status, code, msg = statusClientClosed, "client_closed_request", "The request was cancelled by the client."
	}
	if status >= 500 {
		s.log.Error("request failed", slog.String("request_id", reqID), slog.String("path", c.Request().URL.Path), slog.Any("error", err))
		msg += " Request id: " + reqID + "."
	}
	if status == http.StatusTooManyRequests && retryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	if isAPI(c) {
		_ = c.JSON(status, apiError{apiErrorBody{Code: code, Message: msg, Details: details}})
		return
	}
	if isHTMX(c) {
		// htmx does not swap error responses by default; the toast shows
		// the message.
		toast(c, "error", msg)
		c.Response().Header().Set("HX-Reswap", "none")
		_ = c.String(status, msg)
		return
	}
	_ = s.render(c, status, views.ErrorPage(status, http.StatusText(status), msg))
}

// statusClientClosed is nginx's 499: the client closed the request.
const statusClientClosed = 499

// retryAfterSeconds is a Retry-After value: whole seconds, rounded up,
// at least 1.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

func isAPI(c echo.Context) bool {
	return strings.HasPrefix(c.Request().URL.Path, "/api/")
}
