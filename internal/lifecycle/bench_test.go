package lifecycle_test

import (
	"context"
	"fmt"
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
		now = now.Add(2 * time.Minute)
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
		b.ReportMetric(sweep.Seconds(), "s/sweep")
		b.ReportMetric(sweep.Seconds()/float64((sessions+lifecycle.SweepBatch-1)/lifecycle.SweepBatch)*1000, "ms/sweep-batch")
	}
}
