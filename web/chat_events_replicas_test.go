package web_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/answers-console/answers/internal/app"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testdb"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/web"
	"github.com/answers-console/answers/web/webtest"
)

// TestChatEventsEndOnShutdown: graceful shutdown does not wait for open
// streams (they would never end by themselves), it ends them.
func TestChatEventsEndOnShutdown(t *testing.T) {
	app, srv := newServer(t)
	liveChat(t, app, "bye")
	c := newClient(t, srv)
	chatPost(c, "bye", "hi")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- app.Server.Serve(ctx, ln) }()
	c.srv = &httptest.Server{URL: "http://" + ln.Addr().String()}
	s := openEvents(c, "bye")
	if s.res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", s.res.StatusCode)
	}
	start := time.Now()
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("shutdown took %v with a stream open", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the server did not shut down within 5 s with a stream open")
	}
}

// TestChatEventsAcrossReplicas: on PostgreSQL, a message routed through
// one replica reaches the visitor's stream on another within a second,
// with no sticky sessions: the replicas share only the database.
func TestChatEventsAcrossReplicas(t *testing.T) {
	if testdb.PostgresURL() == "" {
		t.Skip("needs PostgreSQL (" + testdb.EnvPostgres + ")")
	}
	dsn := testdb.DSN(t)
	replica := func() (*webtest.App, *httptest.Server) {
		st, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		a := &webtest.App{App: &testkit.App{App: app.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)))}}
		a.Server = a.Web(prometheus.NewRegistry(), web.Options{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			a.Live.Run(ctx)
		}()
		t.Cleanup(func() { cancel(); <-done })
		srv := httptest.NewServer(a.Server)
		t.Cleanup(srv.Close)
		return a, srv
	}
	a, srvA := replica()
	_, srvB := replica()
	liveChat(t, a, "spread")

	onA := newClient(t, srvA)
	chatPost(onA, "spread", "hi")
	onB := newClient(t, srvB)
	onB.http.Jar = onA.http.Jar // the same browser, another replica
	s := openEvents(onB, "spread")
	if s.res.StatusCode != http.StatusOK {
		t.Fatalf("stream on B: %d", s.res.StatusCode)
	}
	start := time.Now()
	chatPost(onA, "spread", "Ada")
	in := s.message(time.Second)
	out := s.message(time.Second)
	if in.Text != "Ada" || out.Text != "Bye Ada." {
		t.Errorf("on B: %+v then %+v", in, out)
	}
	t.Logf("a message routed on A reached B's stream in %v", time.Since(start))
}
