package web_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/answers-console/answers/web"
)

// TestAnsweredInboundMessagesLogAtDebug: at the default level an answered
// inbound message writes no request line (gateways send thousands a
// second; /metrics counts them), a refused one and every other request do.
func TestAnsweredInboundMessagesLogAtDebug(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	var logs lockedBuffer
	e.app.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv := httptest.NewServer(e.app.Web(nil, web.Options{}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv)
	body := `{"channel": "livechat", "sender": "matrix", "from": "gateway-user", "text": "hi"}`
	if res := c.send(http.MethodPost, "/api/v1/messages", body, e.key()...); res.Status != http.StatusOK {
		t.Fatalf("inbound message: %d %s", res.Status, res.Body)
	}
	if res := c.send(http.MethodPost, "/api/v1/messages", body, "X-Inbound-Key", "wrong"); res.Status < 400 {
		t.Fatalf("inbound message with a wrong key: %d", res.Status)
	}
	// One connection serves its requests in turn: once this one is
	// answered, the lines of the ones before it are written.
	c.get("/healthz")
	var inbound []string
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "path=/api/v1/messages") {
			inbound = append(inbound, line)
		}
	}
	if len(inbound) != 1 || !strings.Contains(inbound[0], "status=40") {
		t.Errorf("inbound request lines at info level: %q, want only the refused one", inbound)
	}
	if !strings.Contains(logs.String(), "path=/healthz") {
		t.Errorf("no line for /healthz:\n%s", logs.String())
	}
}
