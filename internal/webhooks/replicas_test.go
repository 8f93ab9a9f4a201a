package webhooks_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/app"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testdb"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/webhooks"
	"github.com/answers-console/answers/internal/who"
)

// syncLog is a replica's log, written by its goroutines, read by the test.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// onceReceiver answers 500 to the first try of every tenth webhook-id
// and 200 otherwise, and counts the 2xx answers per webhook-id: a
// delivery acknowledged twice is one delivered twice.
type onceReceiver struct {
	mu    sync.Mutex
	tries map[string]int
	acked map[string]int
	srv   *httptest.Server
}

func newOnceReceiver(t *testing.T) *onceReceiver {
	r := &onceReceiver{tries: map[string]int{}, acked: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		id := req.Header.Get("webhook-id")
		r.mu.Lock()
		r.tries[id]++
		fail := r.tries[id] == 1 && strings.HasSuffix(id, "0")
		if !fail {
			r.acked[id]++
		}
		r.mu.Unlock()
		if fail {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// counts are the webhook-ids acknowledged, and those acknowledged more
// than once.
func (r *onceReceiver) counts() (acked int, twice []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, n := range r.acked {
		if n > 1 {
			twice = append(twice, fmt.Sprintf("%s ×%d", id, n))
		}
	}
	return len(r.acked), twice
}

// waitAcked waits until n webhook-ids were acknowledged.
func (r *onceReceiver) waitAcked(t *testing.T, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got, _ := r.counts()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events acknowledged within %v", got, n, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitDelivered waits until n deliveries are recorded as delivered.
func waitDelivered(t *testing.T, st *store.Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var got int
		if err := st.R.QueryRowContext(context.Background(), `SELECT count(*) FROM webhook_deliveries WHERE state = 'delivered'`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d deliveries recorded as delivered", got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReplicasDeliverEachEventOnce: on PostgreSQL, two replicas (two
// consoles on one database, each running its background work as answers
// serve does) while events are written through both: the receiver
// acknowledges every event's delivery exactly once, retries included.
// Then the replica that leads stops; the other takes the deliveries over
// and the events written after are delivered, each once too. (A replica
// killed in the middle of a request leaves that delivery pending, and the
// next leader sends it again: at least once, by design; this test stops
// the leader between deliveries. One whose answer came is recorded even
// while stopping: TestAnswerWhileStoppingIsRecorded.)
func TestReplicasDeliverEachEventOnce(t *testing.T) {
	if testdb.PostgresURL() == "" {
		t.Skip("needs PostgreSQL (" + testdb.EnvPostgres + ")")
	}
	dsn := testdb.DSN(t)
	type replica struct {
		app  *app.App
		log  *syncLog
		stop func()
	}
	start := func() *replica {
		st, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		r := &replica{log: &syncLog{}}
		r.app = app.New(st, slog.New(slog.NewTextHandler(r.log, nil)))
		r.app.SetWebhooks(loopback, webhooks.ScaledSchedule(10*time.Millisecond))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			r.app.RunBackground(ctx)
		}()
		r.stop = sync.OnceFunc(func() { cancel(); <-done })
		t.Cleanup(r.stop)
		return r
	}
	a, b := start(), start()
	recv := newOnceReceiver(t)
	u, events := recv.srv.URL+"/hooks", []string{"replica.*"}
	ctx := context.Background()
	if _, err := a.app.Webhooks.Create(ctx, who.System(), webhooks.Input{URL: &u, Events: &events}); err != nil {
		t.Fatal(err)
	}
	write := func(r *replica, from, n int) {
		t.Helper()
		err := r.app.Store.InTx(ctx, func(tx *store.Tx) error {
			for i := from; i < from+n; i++ {
				if err := tx.AddWebhookEvent(ctx, "replica.event", time.Now().UTC().Format(store.TimeFormat), map[string]any{"i": i}, 0, 0); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	// Through both replicas at once, in small commits.
	var wg sync.WaitGroup
	for k, r := range []*replica{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 10 {
				write(r, k*1000+j*10, 10)
				time.Sleep(15 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	recv.waitAcked(t, 200, 20*time.Second)
	// The leader stops between deliveries: once every acknowledgement is
	// recorded.
	waitDelivered(t, a.app.Store, 200)

	const leads = "this replica is the leader"
	leader, other := a, b
	if !strings.Contains(a.log.String(), leads) {
		leader, other = b, a
	}
	if !strings.Contains(leader.log.String(), leads) || strings.Contains(other.log.String(), leads) {
		t.Fatalf("want one leader; A's log:\n%s\nB's log:\n%s", a.log.String(), b.log.String())
	}
	leader.stop()
	write(other, 5000, 50)
	recv.waitAcked(t, 250, 20*time.Second)
	if !strings.Contains(other.log.String(), leads) {
		t.Error("the other replica did not take the lead")
	}
	time.Sleep(300 * time.Millisecond) // a second delivery would come by now
	acked, twice := recv.counts()
	if acked != 250 || len(twice) > 0 {
		t.Errorf("%d webhook-ids acknowledged (want 250); delivered more than once: %v", acked, twice)
	}
	recv.mu.Lock()
	retried, failedFirst := 0, 0
	for id, n := range recv.tries {
		if n > 1 {
			retried++
		}
		if strings.HasSuffix(id, "0") {
			failedFirst++
		}
	}
	recv.mu.Unlock()
	if retried != failedFirst || retried == 0 {
		t.Errorf("%d deliveries were tried again; %d were answered 500 first", retried, failedFirst)
	}
}

// cancelAfterAnswer stops the deliverer (cancels its context) as soon as
// the endpoint has answered, before the deliverer reads the answer: a
// graceful stop at the worst moment.
type cancelAfterAnswer struct {
	base   http.RoundTripper
	cancel context.CancelFunc
}

func (c cancelAfterAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := c.base.RoundTrip(r)
	c.cancel()
	return res, err
}

// TestAnswerWhileStoppingIsRecorded: a delivery the endpoint answered
// while the deliverer was stopping (a deploy's SIGTERM, a leader losing
// its lock) is recorded with its answer, so the next leader does not send
// it again.
func TestAnswerWhileStoppingIsRecorded(t *testing.T) {
	bg := context.Background()
	a := testkit.New(t)
	a.SetWebhooks(loopback, webhooks.DefaultSchedule())
	recv := newReceiver(t)
	u, events := recv.srv.URL+"/hooks", []string{"stop.*"}
	ep, err := a.Webhooks.Create(bg, admin(a), webhooks.Input{URL: &u, Events: &events})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.InTx(bg, func(tx *store.Tx) error {
		return tx.AddWebhookEvent(bg, "stop.event", time.Now().UTC().Format(store.TimeFormat), map[string]any{"n": 1}, 0, 0)
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	a.Deliverer.Client.Transport = cancelAfterAnswer{base: a.Deliverer.Client.Transport, cancel: cancel}
	if _, err := a.Deliverer.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if ctx.Err() == nil {
		t.Fatal("the deliverer was not stopped during the delivery")
	}
	log, err := a.Webhooks.Attempts(bg, admin(a), ep.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].Status != http.StatusOK || log[0].State != "delivered" {
		t.Fatalf("delivery log %+v, want the one answered try, delivered", log)
	}
	if next, err := a.Store.NextWebhookDelivery(bg); err != nil || !next.IsZero() {
		t.Errorf("a delivery is still due at %v (%v): the next leader would send it again", next, err)
	}
	if n := len(recv.requests()); n != 1 {
		t.Errorf("the receiver got %d requests", n)
	}
}
