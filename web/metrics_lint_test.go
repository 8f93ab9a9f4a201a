package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"github.com/answers-console/answers/internal/rbac"
)

// TestMetricsPassPromlint lints the real /metrics output, after traffic of
// every kind, with promlint: the checks of `promtool check metrics`
// (names, units, suffixes, help text), without installing Prometheus.
func TestMetricsPassPromlint(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app) // routes one message, activates one chatbot
	if _, err := app.Routing.Route(context.Background(), fx.sender, "visitor-2", "hello"); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv)
	c.loginAs(rbac.Admin)
	for _, path := range []string{"/", "/chatbots", "/audit", "/no-such-page", "/healthz"} {
		c.get(path)
	}
	// What the metrics listener (--metrics-addr) serves.
	rec := httptest.NewRecorder()
	app.Server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, "answers_http_requests_total") {
		t.Fatalf("/metrics: status %d\n%s", rec.Code, excerpt(body))
	}
	problems, err := promlint.New(strings.NewReader(body)).Lint()
	if err != nil {
		t.Fatalf("/metrics does not parse as the Prometheus text format: %v", err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	families := strings.Count(body, "# TYPE ")
	if families < 5 {
		t.Errorf("only %d metric families linted", families)
	}
	t.Logf("%d metric families, %d promlint problems", families, len(problems))
}
