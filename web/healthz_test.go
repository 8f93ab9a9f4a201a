package web_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/answers-console/answers/web"
	"github.com/answers-console/answers/web/webtest"
)

// lockedBuffer is a log the server writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestHealthzHidesTheDatabaseError: /healthz told anyone the driver's
// error (on PostgreSQL: user, database, host and port). It says only that
// the database is unreachable; the detail goes to the log.
func TestHealthzHidesTheDatabaseError(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	var log lockedBuffer
	app.Log = slog.New(slog.NewTextHandler(&log, nil))
	srv := httptest.NewServer(app.Web(nil, web.Options{}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv)
	if res := c.get("/healthz"); res.Status != http.StatusOK {
		t.Fatalf("healthz with the database up: %d %s", res.Status, res.Body)
	}
	ctx := context.Background()
	if err := app.Store.R.Close(); err != nil {
		t.Fatal(err)
	}
	detail := app.Store.Ping(ctx).Error()
	res := c.get("/healthz")
	if res.Status != http.StatusServiceUnavailable {
		t.Fatalf("healthz with the database down: %d", res.Status)
	}
	if got, want := strings.TrimSpace(res.Body), `{"database":"unreachable","status":"unavailable"}`; got != want {
		t.Errorf("body %s, want %s", got, want)
	}
	mustNotContain(t, res.Body, detail)
	if !strings.Contains(log.String(), detail) {
		t.Errorf("the log lacks the database error %q:\n%s", detail, log.String())
	}
}
