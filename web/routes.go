package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/rbac"
)

// kind says which middleware stack a route runs behind.
type kind int

const (
	page kind = iota // console pages and fragments: session, CSRF, signed-in user
	api              // JSON API: bearer token
	ops              // health, metrics, static files: nothing
)

// Route is one entry of the route table: every route names the permission
// it needs, and the route × role test walks this table.
type Route struct {
	Method     string
	Path       string
	Permission rbac.Permission
	kind       kind
	handler    echo.HandlerFunc
}

// IsAPI reports whether the route belongs to the JSON API.
func (r Route) IsAPI() bool { return r.kind == api }

// Routes is the route table.
func (s *Server) Routes() []Route {
	return []Route{
		// Signing in and out, first-run setup.
		{http.MethodGet, "/login", rbac.Public, page, s.loginForm},
		{http.MethodPost, "/login", rbac.Public, page, s.login},
		{http.MethodPost, "/logout", rbac.SignedIn, page, s.logout},
		{http.MethodGet, "/setup", rbac.Public, page, s.setupForm},
		{http.MethodPost, "/setup", rbac.Public, page, s.setup},

		// Every signed-in user.
		{http.MethodGet, "/", rbac.SignedIn, page, s.home},
		{http.MethodGet, "/roles", rbac.SignedIn, page, s.roles},
		{http.MethodGet, "/profile", rbac.SignedIn, page, s.profile},
		{http.MethodPost, "/profile/password", rbac.SignedIn, page, s.changePassword},
		{http.MethodPost, "/profile/tokens", rbac.SignedIn, page, s.createToken},
		{http.MethodPost, "/profile/tokens/:id/revoke", rbac.SignedIn, page, s.revokeToken},

		// Users and roles.
		{http.MethodGet, "/users", rbac.ManageUsers, page, s.users},
		{http.MethodPost, "/users", rbac.ManageUsers, page, s.addUser},
		{http.MethodPost, "/users/:id/role", rbac.ManageUsers, page, s.changeRole},
		{http.MethodPost, "/users/:id/disable", rbac.ManageUsers, page, s.disableUser},
		{http.MethodPost, "/users/:id/enable", rbac.ManageUsers, page, s.enableUser},
		{http.MethodPost, "/users/:id/reset-password", rbac.ManageUsers, page, s.resetPassword},

		// Audit.
		{http.MethodGet, "/audit", rbac.ViewAudit, page, s.auditLog},

		// JSON API.
		{http.MethodGet, "/api/v1/me", rbac.SignedIn, api, s.apiMe},
		{http.MethodGet, "/api/v1/chatbots", rbac.ViewDashboard, api, s.apiChatbots},

		// Operations.
		{http.MethodGet, "/healthz", rbac.Public, ops, s.healthz},
		{http.MethodGet, "/metrics", rbac.Public, ops, s.metricsHandler()},
		{http.MethodGet, "/static/*", rbac.Public, ops, echo.WrapHandler(s.assets.Handler())},
	}
}

// register adds the route table to Echo, each route behind its stack and
// its permission check.
func (s *Server) register() {
	pages := []echo.MiddlewareFunc{s.withSession, s.csrf(), s.loadUser}
	apis := []echo.MiddlewareFunc{s.bearerAuth}
	for _, r := range s.Routes() {
		var mw []echo.MiddlewareFunc
		switch r.kind {
		case page:
			mw = append(mw, pages...)
		case api:
			mw = append(mw, apis...)
		}
		mw = append(mw, require(r.Permission, r.kind == api))
		s.echo.Add(r.Method, r.Path, r.handler, mw...)
	}
	// Unknown paths still get the session, so the 404 page shows the
	// navigation of whoever is signed in.
	s.echo.RouteNotFound("/*", func(c echo.Context) error { return echo.ErrNotFound }, s.withSession, s.loadUser)
}
