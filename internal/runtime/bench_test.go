package runtime_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/testkit"
)

// BenchmarkRoute measures routing without HTTP: many end users at once,
// each message a session step, transcript and rollups committed (group
// commit). It is the ceiling of the inbound API on this machine.
//
//	go test -run '^$' -bench Route -benchtime 5s ./internal/runtime/
func BenchmarkRoute(b *testing.B) {
	app := testkit.New(b)
	ctx := context.Background()
	snd, err := app.Senders.Create(ctx, accounts.System(), "livechat", "shop")
	if err != nil {
		b.Fatal(err)
	}
	c, err := app.Chatbots.Create(ctx, accounts.System(), chatbots.Settings{Name: "bench", Channel: "livechat", SenderID: snd.ID})
	if err != nil {
		b.Fatal(err)
	}
	if c, err = app.Chatbots.Update(ctx, accounts.System(), c.ID, chatbots.Edit{Version: c.Version, Apply: chatbots.ReplaceDefinition(survey())}); err != nil {
		b.Fatal(err)
	}
	if _, err := app.Lifecycle.Activate(ctx, accounts.System(), c.ID, lifecycle.ActivateOptions{}); err != nil {
		b.Fatal(err)
	}
	var users atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		user := fmt.Sprintf("user-%d", users.Add(1))
		for i := 0; pb.Next(); i++ {
			if _, err := app.Runtime.Route(ctx, snd, user, fmt.Sprintf("message %d", i)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
}
