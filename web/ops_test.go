package web_test

import (
	"context"
	"net/http"
	"testing"
)

func TestHealthAndMetrics(t *testing.T) {
	app, srv := newServer(t)
	fx := newFixture(t, app) // routes one message, activates one chatbot
	if _, err := app.Runtime.Route(context.Background(), fx.sender, "visitor-2", "hello"); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv)
	res := c.get("/healthz")
	if res.Status != http.StatusOK {
		t.Fatalf("healthz: %d", res.Status)
	}
	mustContain(t, res.Body, `"database":"ok"`)
	res = c.get("/metrics")
	mustContain(t, res.Body,
		`answers_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
		"answers_messages_routed_total 2",
		"answers_sessions_open 2",
		`answers_lifecycle_transitions_total{action="chatbot.activated"} 1`,
	)
}
