package lifecycle_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

func TestRollback(t *testing.T) {
	for _, grace := range []time.Duration{0, 30 * time.Minute} {
		t.Run(grace.String(), func(t *testing.T) {
			app := testkit.New(t)
			ctx := context.Background()
			now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
			app.SetClock(func() time.Time { return now })
			sys := who.System()
			manager := who.Actor{User: app.Users[rbac.Manager]}
			snd, err := app.Senders.Create(ctx, sys, "sms", "+15553333")
			if err != nil {
				t.Fatal(err)
			}
			mk := func(name string) store.Chatbot {
				c, err := app.Chatbots.Create(ctx, sys, chatbots.Settings{Name: name, Channel: "sms", SenderID: snd.ID})
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
			d, a := mk("D"), mk("A")
			opt := lifecycle.ActivateOptions{OverrideWarnings: true}
			if _, err := app.Lifecycle.Activate(ctx, sys, d.ID, opt); err != nil {
				t.Fatal(err)
			}
			old, err := app.Routing.Route(ctx, snd, "+1old", "hi") // a session on D
			if err != nil {
				t.Fatal(err)
			}
			opt.PreviousGrace = lifecycle.GraceOf(time.Hour)
			if _, err := app.Lifecycle.Activate(ctx, sys, a.ID, opt); err != nil {
				t.Fatal(err)
			}
			fresh, err := app.Routing.Route(ctx, snd, "+1new", "hi") // a session on A
			if err != nil || fresh.ChatbotID != a.ID {
				t.Fatalf("new session on %d: %v", fresh.ChatbotID, err)
			}
			// A designer may not roll back; an active chatbot cannot be.
			if _, err := app.Lifecycle.Rollback(ctx, who.Actor{User: app.Users[rbac.Designer]}, d.ID, lifecycle.GraceOf(grace)); !problem.Is(err, problem.Forbidden) {
				t.Fatalf("designer rollback: %v", err)
			}
			if _, err := app.Lifecycle.Rollback(ctx, manager, a.ID, lifecycle.GraceOf(grace)); !problem.Is(err, problem.Conflict) {
				t.Fatalf("rollback of the active one: %v", err)
			}

			now = now.Add(10 * time.Minute)
			if _, err := app.Lifecycle.Rollback(ctx, manager, d.ID, lifecycle.GraceOf(grace)); err != nil {
				t.Fatal(err)
			}
			gotD, _ := app.Store.ChatbotByID(ctx, d.ID)
			gotA, _ := app.Store.ChatbotByID(ctx, a.ID)
			if gotD.Status != store.StatusActive {
				t.Fatalf("D is %s", gotD.Status)
			}
			sessOld, _ := app.Store.ChatSessionByID(ctx, old.SessionID)
			sessNew, _ := app.Store.ChatSessionByID(ctx, fresh.SessionID)
			if !sessOld.Open() {
				t.Fatal("D's session was closed by the roll back")
			}
			if grace == 0 {
				if gotA.Status != store.StatusInactive || sessNew.Open() || sessNew.CloseReason != store.CloseDeactivated {
					t.Fatalf("A %s, its session %+v", gotA.Status, sessNew)
				}
			} else {
				if gotA.Status != store.StatusDeactivated || !gotA.GraceEndsAt.Equal(now.Add(grace)) || !sessNew.Open() {
					t.Fatalf("A %s until %v, its session open %v", gotA.Status, gotA.GraceEndsAt, sessNew.Open())
				}
				// A new end user goes to D again, A's user stays on A.
				if out, err := app.Routing.Route(ctx, snd, "+1third", "hi"); err != nil || out.ChatbotID != d.ID {
					t.Fatalf("third user on %d: %v", out.ChatbotID, err)
				}
				if out, err := app.Routing.Route(ctx, snd, "+1new", "again"); err != nil || out.ChatbotID != a.ID {
					t.Fatalf("A's user moved to %d: %v", out.ChatbotID, err)
				}
			}
		})
	}
}

// I4 holds at commit even where a transition passes through inactive: a
// transaction that leaves an inactive chatbot with open sessions fails and
// changes nothing.
func TestInactiveWithOpenSessionsCannotCommit(t *testing.T) {
	app := testkit.New(t)
	ctx := context.Background()
	sys := who.System()
	snd, err := app.Senders.Create(ctx, sys, "sms", "+15554444")
	if err != nil {
		t.Fatal(err)
	}
	c, err := app.Chatbots.Create(ctx, sys, chatbots.Settings{Name: "C", Channel: "sms", SenderID: snd.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Lifecycle.Activate(ctx, sys, c.ID, lifecycle.ActivateOptions{OverrideWarnings: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Routing.Route(ctx, snd, "+1", "hi"); err != nil {
		t.Fatal(err)
	}
	err = app.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.SetChatbotStatus(ctx, c.ID, store.StatusInactive, time.Time{}, time.Now())
	})
	if !errors.Is(err, store.ErrOpenSessions) {
		t.Fatalf("commit with an inactive chatbot holding open sessions: %v", err)
	}
	if got, _ := app.Store.ChatbotByID(ctx, c.ID); got.Status != store.StatusActive {
		t.Fatalf("status changed to %s", got.Status)
	}
}
