package app_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/app"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// A grace deadline that passes while the server is down is applied as soon
// as it starts again: the chatbot is inactive and its sessions closed with
// grace_ended.
func TestGraceDeadlineAppliedAfterRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "answers.db")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	start := time.Now().UTC()

	// First run: v1 live with a session, then v2 with a one-hour grace.
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(st, log)
	a.SetClock(func() time.Time { return start })
	sys := who.System()
	snd, err := a.Senders.Create(ctx, sys, "sms", "+15552222")
	if err != nil {
		t.Fatal(err)
	}
	var bots []store.Chatbot
	for _, name := range []string{"v1", "v2"} {
		c, err := a.Chatbots.Create(ctx, sys, chatbots.Settings{Name: name, Channel: "sms", SenderID: snd.ID})
		if err != nil {
			t.Fatal(err)
		}
		bots = append(bots, c)
	}
	if _, err := a.Lifecycle.Activate(ctx, sys, bots[0].ID, lifecycle.ActivateOptions{OverrideWarnings: true}); err != nil {
		t.Fatal(err)
	}
	out, err := a.Routing.Route(ctx, snd, "+1777", "hi")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Lifecycle.Activate(ctx, sys, bots[1].ID, lifecycle.ActivateOptions{OverrideWarnings: true, PreviousGrace: lifecycle.GraceOf(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	st.Close() // the server stops mid-grace

	// Second run, after the deadline: the sweeper's first pass applies it.
	st, err = store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a = app.New(st, log)
	a.SetClock(func() time.Time { return start.Add(2 * time.Hour) })
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { a.RunSweeper(runCtx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		v1, err := st.ChatbotByID(ctx, bots[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if v1.Status == store.StatusInactive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("v1 still %s after restart", v1.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	sess, err := st.ChatSessionByID(ctx, out.SessionID)
	if err != nil || sess.Open() || sess.CloseReason != store.CloseGraceEnded {
		t.Fatalf("session after restart: %+v %v", sess, err)
	}
}
