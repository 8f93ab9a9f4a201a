package lifecycle_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// BenchmarkGraceEnd100k measures ending a grace period that closes
// 100,000 open sessions (SPEC §8: under 2 s; issue #25: 0.3 s on SQLite),
// and then the sweep that rewrites their rows (s/sweep, and the mean time
// of one of its transactions, ms/sweep-batch):
//
//	go test -run '^$' -bench GraceEnd100k -benchtime 1x ./internal/lifecycle/
func BenchmarkGraceEnd100k(b *testing.B) {
	const sessions = 100_000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		app := testkit.New(b)
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		app.SetClock(func() time.Time { return now })
		sys := who.System()
		snd, err := app.Senders.Create(ctx, sys, "sms", "+15558888")
		if err != nil {
			b.Fatal(err)
		}
		bot, err := app.Chatbots.Create(ctx, sys, chatbots.Settings{Name: "Big", Channel: "sms", SenderID: snd.ID})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := app.Lifecycle.Activate(ctx, sys, bot.ID, lifecycle.ActivateOptions{OverrideWarnings: true}); err != nil {
			b.Fatal(err)
		}
		err = app.Store.InTx(ctx, func(tx *store.Tx) error {
			for j := 0; j < sessions; j++ {
				if _, err := tx.CreateChatSession(ctx, store.ChatSession{SenderID: snd.ID, ChatbotID: bot.ID, EndUser: fmt.Sprint("+1", j),
					State: []byte("{}"), OpenedAt: now, LastActivityAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := app.Lifecycle.Deactivate(ctx, sys, bot.ID, lifecycle.GraceOf(time.Minute)); err != nil {
			b.Fatal(err)
		}
		// Another sender whose end users write, one message at a time,
		// through the grace end and the sweep.
		other := liveSender(b, app, "+15558889")
		// The same routing alone first, for the ratio.
		_, stopRouting := routeMeanwhile(b, app, other)
		time.Sleep(2 * time.Second)
		alone := stopRouting()
		b.ReportMetric(float64(p99(alone))/float64(time.Millisecond), "ms/route-p99-alone")
		now = now.Add(2 * time.Minute)
		lat, stopRouting := routeMeanwhile(b, app, other)
		// A running server's pool has its connections open: on
		// PostgreSQL the first transaction beside the routing batches
		// would otherwise open one (hundreds of ms on a loaded machine).
		if err := app.Store.InTx(ctx, func(*store.Tx) error { return nil }); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if n, err := app.Lifecycle.ExpireGraces(ctx); err != nil || n != 1 {
			b.Fatalf("ExpireGraces = %d, %v", n, err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/grace-end")
		// The grace end is logical; the sweeper then rewrites the rows in
		// batches of lifecycle.SweepBatch, each its own transaction.
		b.StopTimer()
		start = time.Now()
		if n, err := app.Lifecycle.SweepEnded(ctx); err != nil || n != sessions {
			b.Fatalf("SweepEnded = %d, %v", n, err)
		}
		sweep := time.Since(start)
		routed := stopRouting()
		b.ReportMetric(sweep.Seconds(), "s/sweep")
		b.ReportMetric(float64(p99(routed))/float64(time.Millisecond), "ms/route-p99-meanwhile")
		b.ReportMetric(float64(len(*lat)), "routes-meanwhile")
		b.ReportMetric(sweep.Seconds()/float64((sessions+lifecycle.SweepBatch-1)/lifecycle.SweepBatch)*1000, "ms/sweep-batch")
	}
}

// liveSender is a new SMS sender with an active chatbot.
func liveSender(b *testing.B, app *testkit.App, address string) store.Sender {
	b.Helper()
	ctx, sys := context.Background(), who.System()
	snd, err := app.Senders.Create(ctx, sys, "sms", address)
	if err != nil {
		b.Fatal(err)
	}
	bot, err := app.Chatbots.Create(ctx, sys, chatbots.Settings{Name: "Other " + address, Channel: "sms", SenderID: snd.ID})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := app.Lifecycle.Activate(ctx, sys, bot.ID, lifecycle.ActivateOptions{OverrideWarnings: true}); err != nil {
		b.Fatal(err)
	}
	return snd
}

// routeMeanwhile routes messages to snd, one at a time, until the
// returned stop is called; stop returns their latencies.
func routeMeanwhile(b *testing.B, app *testkit.App, snd store.Sender) (*[]time.Duration, func() []time.Duration) {
	var lat []time.Duration
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			start := time.Now()
			if _, err := app.Routing.Route(ctx, snd, fmt.Sprint("+1999", i%50), "hi"); err != nil && ctx.Err() == nil {
				b.Error(err)
				return
			}
			lat = append(lat, time.Since(start))
		}
	}()
	return &lat, func() []time.Duration {
		cancel()
		wg.Wait()
		return lat
	}
}

// p99 is the 99th percentile of d (0 for none).
func p99(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)*99)/100]
}
