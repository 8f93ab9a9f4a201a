// Package webtest is testkit's console with its web server, for the tests
// that drive the console over HTTP: the web package's, the browser
// journeys and the reliability suite.
package webtest

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/web"
)

// App is a console for one test, with its web server.
type App struct {
	*testkit.App
	// Server is the web server over the App, its metrics registered on a
	// registry of its own.
	Server *web.Server
}

// New is testkit.New with its web server: one user per role.
func New(t testing.TB) *App {
	t.Helper()
	return withServer(testkit.New(t))
}

// Empty is testkit.Empty with its web server: no users (first-run state).
func Empty(t testing.TB) *App {
	t.Helper()
	return withServer(testkit.Empty(t))
}

func withServer(a *testkit.App) *App {
	return &App{App: a, Server: web.ForApp(a.App, prometheus.NewRegistry(), web.Options{})}
}

// Web is another web server over the same services, with other options
// (a registry registers the metrics again, on it).
func (a *App) Web(reg *prometheus.Registry, o web.Options) *web.Server {
	return web.ForApp(a.App.App, reg, o)
}
