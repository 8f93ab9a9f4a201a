package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/answers-console/answers/web"
)

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app) // routes one message, activates one chatbot
	if _, err := app.Routing.Route(context.Background(), fx.sender, "visitor-2", "hello"); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv)
	res := c.get("/healthz")
	if res.Status != http.StatusOK {
		t.Fatalf("healthz: %d", res.Status)
	}
	mustContain(t, res.Body, `"database":"ok"`)
	// The console's port has no /metrics unless a token is configured.
	if res := c.get("/metrics"); res.Status != http.StatusNotFound {
		t.Errorf("/metrics without a metrics token: %d, want 404", res.Status)
	}
	msrv := httptest.NewServer(app.Web(nil, web.Options{MetricsToken: "m-secret"}))
	t.Cleanup(msrv.Close)
	mc := newClient(t, msrv)
	for _, h := range [][]string{nil, {"Authorization", "Bearer wrong"}} {
		if res := mc.get("/metrics", h...); res.Status != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("/metrics with %v: %d", h, res.Status)
		}
	}
	if res := mc.get("/metrics", "Authorization", "Bearer m-secret"); res.Status != http.StatusOK {
		t.Errorf("/metrics with the token: %d", res.Status)
	}
	// What a --metrics-addr listener serves.
	rec := httptest.NewRecorder()
	app.Server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	mustContain(t, rec.Body.String(),
		`answers_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
		`answers_http_requests_total{method="GET",route="/metrics",status="404"} 1`,
		"answers_messages_routed_total 2",
		"answers_sessions_open 2",
		`answers_lifecycle_transitions_total{action="chatbot.activated"} 1`,
	)
}
