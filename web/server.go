// Package web is the HTTP face of the console: the HTML pages and htmx
// fragments, the JSON API and the operations endpoints. Handlers are thin:
// they read input, call the services and render. Every change goes through
// one service method, the same for a page's form and the JSON API, which
// checks the actor's permission and writes the change with its audit
// entry. What a page only shows (lists, counts, a transcript) it may read
// from the store directly, behind the permission its route names in
// routes.go. Files: one per console resource (chatbots.go, senders.go,
// …) and one per API resource (api_chatbots.go, api_senders.go, …).
package web

import (
	"context"
	"fmt"
	"github.com/answers-console/answers/internal/ratelimit"
	"github.com/answers-console/answers/internal/sso"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/analytics"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/handover"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/live"
	"github.com/answers-console/answers/internal/routing"
	"github.com/answers-console/answers/internal/senders"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/webhooks"
	"github.com/answers-console/answers/static"
)

// Config is what the server needs.
type Config struct {
	Store     *store.Store
	Accounts  *accounts.Service
	Senders   *senders.Service
	Chatbots  *chatbots.Service
	Routing   *routing.Service
	Lifecycle *lifecycle.Service
	Analytics *analytics.Service
	Webhooks  *webhooks.Service
	// Handover is people's side of handed-over conversations (SPEC §11).
	Handover *handover.Service
	Logger   *slog.Logger
	// Registry receives the HTTP metrics and is served on /metrics.
	Registry *prometheus.Registry
	// SecureCookies marks cookies Secure; set it when the console is
	// served over HTTPS.
	SecureCookies bool
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed: the client IP is the rightmost address of that header not
	// in these networks, when the request comes from one of them. Nothing
	// else is trusted — not loopback, not private ranges — so a client in
	// 10/8 cannot choose its own IP (and escape the sign-in throttle or
	// fake the audit IP). Empty: the peer address is the client.
	TrustedProxies []netip.Prefix
	// MetricsToken, when set, serves /metrics on the console's port to
	// requests with Authorization: Bearer <token>. Unset, the console's
	// port has no /metrics (it would tell anyone the traffic, the open
	// sessions and the process's memory); serve MetricsHandler on a
	// listener of its own instead (--metrics-addr).
	MetricsToken string
	// SSO is the organisation's OpenID provider (SPEC §12); nil without
	// one.
	SSO *sso.Provider
	// Live holds the web chat's open event streams (chat_events.go).
	Live *live.Hub
	// LiveHeartbeat is how often an idle event stream gets a comment;
	// zero means every 25 seconds.
	LiveHeartbeat time.Duration
}

// Server is the console's HTTP handler.
type Server struct {
	cfg      Config
	echo     *echo.Echo
	sessions *scs.SessionManager
	assets   *static.Assets
	log      *slog.Logger
	metrics  *httpMetrics
	// chatLimits are the web chat's per-visitor and per-network limits.
	chatLimits chatLimits
	// ssoStarts limits the sign-ins with the provider a client network
	// starts: each one writes a flow to the database.
	ssoStarts *ratelimit.Limiter
	// keyring holds the keys that sign visitor ids and CSRF tokens.
	keyring keyring
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

		chatLimits: defaultChatLimits(),
		ssoStarts:  ratelimit.New(ssoStartsPerSecond, ssoStartsBurst, 50_000),
	}
	s.sessions = newSessionManager(cfg.Store, cfg.SecureCookies)
	s.loadKeys()

	e := s.echo
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)
	e.Pre(s.securityHeaders)
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(
		middleware.RequestID(),
		s.logRequests,
		s.measure,
		middleware.Recover(),
		s.compress,
		varyOnHTMX,
	)
	s.register()
	return s
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// AssetURL is the versioned address of a static file (tests fetch them).
func (s *Server) AssetURL(name string) string { return s.assets.URL(name) }

// Sessions exposes the session manager (tests inspect it).
func (s *Server) Sessions() *scs.SessionManager { return s.sessions }

// Run serves on addr until ctx is cancelled, then shuts down gracefully,
// letting requests in flight finish for up to ten seconds.
func (s *Server) Run(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve serves the console on a listener the caller has already bound
// (so that `answers serve` can refuse a busy port before it prints or
// seeds anything) until ctx ends, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	// Open event streams end when shutdown starts: Shutdown waits for
	// handlers, and a stream's would never return by itself.
	if s.cfg.Live != nil {
		srv.RegisterOnShutdown(s.cfg.Live.Shutdown)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
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

// ipExtractor reads the client IP through the trusted proxies only.
func ipExtractor(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		p = p.Masked()
		opts = append(opts, echo.TrustIPRange(&net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// ParseProxies reads a --trusted-proxies value: CIDRs or single addresses,
// separated by commas.
func ParseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a CIDR (10.0.0.0/8) nor an IP address", f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
