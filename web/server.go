// Package web is the HTTP face of the console: the HTML pages and htmx
// fragments, the JSON API and the operations endpoints. Handlers are thin:
// they read input, call one service method and render.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/analytics"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/runtime"
	"github.com/answers-console/answers/internal/senders"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/static"
)

// Config is what the server needs.
type Config struct {
	Store     *store.Store
	Accounts  *accounts.Service
	Senders   *senders.Service
	Chatbots  *chatbots.Service
	Runtime   *runtime.Service
	Lifecycle *lifecycle.Service
	Analytics *analytics.Service
	Logger    *slog.Logger
	// Registry receives the HTTP metrics and is served on /metrics.
	Registry *prometheus.Registry
	// SecureCookies marks cookies Secure; set it when the console is
	// served over HTTPS.
	SecureCookies bool
	// TrustProxy takes the client IP from X-Forwarded-For; set it only
	// behind a reverse proxy that sets that header.
	TrustProxy bool
}

// Server is the console's HTTP handler.
type Server struct {
	cfg      Config
	echo     *echo.Echo
	sessions *scs.SessionManager
	assets   *static.Assets
	log      *slog.Logger
	metrics  *httpMetrics
}

// New builds the server and its route table.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	s := &Server{
		cfg:     cfg,
		echo:    echo.New(),
		assets:  static.New(),
		log:     cfg.Logger,
		metrics: newHTTPMetrics(cfg.Registry),
	}
	s.sessions = newSessionManager(cfg.Store, cfg.SecureCookies)

	e := s.echo
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	if cfg.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	} else {
		e.IPExtractor = echo.ExtractIPDirect()
	}
	e.Pre(securityHeaders)
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(
		middleware.RequestID(),
		s.logRequests,
		s.measure,
		middleware.Recover(),
		varyOnHTMX,
	)
	s.register()
	return s
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Sessions exposes the session manager (tests inspect it).
func (s *Server) Sessions() *scs.SessionManager { return s.sessions }

// Run serves on addr until ctx is cancelled, then shuts down gracefully,
// letting requests in flight finish for up to ten seconds.
func (s *Server) Run(ctx context.Context, addr string) error {
	srv := &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	go s.sweepSessions(ctx)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// sweepSessions removes expired console sessions and quiet sign-in
// throttle keys every ten minutes until ctx ends. Every replica sweeps; the DELETE is idempotent.
func (s *Server) sweepSessions(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.cfg.Store.Sessions().DeleteExpired(ctx, time.Now()); err != nil && ctx.Err() == nil {
				s.log.Warn("sweeping console sessions", "err", err)
			}
			if err := s.cfg.Accounts.SweepThrottle(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("sweeping the sign-in throttle", "err", err)
			}
		}
	}
}
