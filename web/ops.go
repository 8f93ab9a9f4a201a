package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// httpMetrics are the request counters and latencies on /metrics.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "answers_http_requests_total",
			Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "answers_http_request_duration_seconds",
			Help:    "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.duration)
	// The default collectors are registered once per registry; a
	// registry handed in by the caller may already have them.
	_ = reg.Register(collectors.NewGoCollector())
	_ = reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// measure counts every request by its route pattern (not its path, so the
// number of series stays bounded).
func (s *Server) measure(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" || route == "/*" {
			route = "unmatched"
		}
		method := c.Request().Method
		switch method {
		case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		default:
			method = "other" // any string is a method: keep the series bounded
		}
		s.metrics.requests.WithLabelValues(route, method, strconv.Itoa(c.Response().Status)).Inc()
		s.metrics.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
		return nil
	}
}

// MetricsHandler serves the Prometheus metrics, for a listener of their
// own (--metrics-addr).
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{})
}

// metricsHandler is /metrics on the console's port: absent unless a
// metrics token is configured, and then only for that bearer token.
func (s *Server) metricsHandler() echo.HandlerFunc {
	h := echo.WrapHandler(s.MetricsHandler())
	return func(c echo.Context) error {
		if s.cfg.MetricsToken == "" {
			return echo.ErrNotFound
		}
		token, _ := strings.CutPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(token), []byte(s.cfg.MetricsToken)) != 1 {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="metrics"`)
			return c.String(http.StatusUnauthorized, "metrics need Authorization: Bearer <metrics token>\n")
		}
		return h(c)
	}
}

// healthz answers 200 when the process is up and the database answers,
// 503 when it does not. Anyone may ask, so the answer says only that: the
// driver's error (user, database, host, port) goes to the log.
func (s *Server) healthz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Store.Ping(ctx); err != nil {
		s.log.ErrorContext(ctx, "healthz: database unreachable", "err", err,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "database": "ok"})
}
