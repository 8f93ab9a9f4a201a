package webhooks_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/webhooks"
)

// BenchmarkDeliver measures deliveries a second to a receiver on
// loopback that answers 200 at once: fan-out, signing, the request and
// the log row, with the deliverer's 8 workers.
func BenchmarkDeliver(b *testing.B) {
	ctx := context.Background()
	a := testkit.New(b)
	a.SetWebhooks(loopback, webhooks.DefaultSchedule())
	srv := newBenchReceiver(b)
	u, ev := srv+"/in", []string{"bench.*"}
	if _, err := a.Webhooks.Create(ctx, admin(a), webhooks.Input{URL: &u, Events: &ev}); err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC().Format(store.TimeFormat)
	for done := 0; done < b.N; {
		n := min(500, b.N-done)
		if err := a.Store.InTx(ctx, func(tx *store.Tx) error {
			for i := 0; i < n; i++ {
				if err := tx.AddWebhookEvent(ctx, "bench.event", now, map[string]any{"i": done + i}, 0, 0); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		done += n
	}
	b.ResetTimer()
	start := time.Now()
	for {
		n, err := a.Deliverer.Round(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
}

// newBenchReceiver serves 204 to everything on loopback.
func newBenchReceiver(b *testing.B) string {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}
