package routing_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/routing"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// TestClosedNotice: an end user whose session a deactivation, a grace end
// or a cascade (superseded) closed is told, once, before the first reply
// of their new conversation; a timeout or a completed conversation is
// not announced, and neither is a first conversation.
func TestClosedNotice(t *testing.T) {
	ctx := context.Background()
	sys := who.System()
	for _, tc := range []struct {
		name   string
		close  func(t *testing.T, e *routeEnv)
		reason string // "" for no notice
	}{
		{"deactivated", func(t *testing.T, e *routeEnv) {
			e.must(e.app.Lifecycle.Activate(ctx, sys, e.next.ID, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(0)}))
		}, store.CloseDeactivated},
		{"grace ended, lazily in routing", func(t *testing.T, e *routeEnv) {
			e.must(e.app.Lifecycle.Activate(ctx, sys, e.next.ID, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(time.Minute)}))
			e.clk.Advance(2 * time.Minute)
		}, store.CloseGraceEnded},
		{"grace ended by the sweeper", func(t *testing.T, e *routeEnv) {
			e.must(e.app.Lifecycle.Activate(ctx, sys, e.next.ID, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(time.Minute)}))
			e.clk.Advance(2 * time.Minute)
			if err := e.app.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
		}, store.CloseGraceEnded},
		{"grace ended early (superseded)", func(t *testing.T, e *routeEnv) {
			e.must(e.app.Lifecycle.Activate(ctx, sys, e.next.ID, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(time.Hour)}))
			e.must(e.app.Lifecycle.EndGrace(ctx, who.Actor{User: e.app.Users[rbac.Manager]}, e.first.ID))
		}, store.CloseSuperseded},
		{"timeout", func(t *testing.T, e *routeEnv) {
			e.clk.Advance(2 * time.Hour)
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app, clk, snd := newApp(t)
			e := &routeEnv{t: t, app: app, clk: clk}
			e.first = liveBot(t, app, "First", snd.ID, survey(), lifecycle.ActivateOptions{})
			e.next = newBot(t, app, "Next", snd.ID, oneLiner("Hello from Next."))
			if _, err := app.Routing.Route(ctx, snd, "u1", "hi"); err != nil {
				t.Fatal(err)
			}
			tc.close(t, e)
			out, err := app.Routing.Route(ctx, snd, "u1", "hello again")
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"Hello from Next."}
			if tc.reason == "" {
				if out.PreviousSessionClosed != nil {
					t.Errorf("told %+v after a %s", out.PreviousSessionClosed, tc.name)
				}
				if out.ChatbotID == e.next.ID && !slices.Equal(out.Replies, want) {
					t.Errorf("replies %q", out.Replies)
				}
				return
			}
			if p := out.PreviousSessionClosed; p == nil || p.Reason != tc.reason || p.Notice != routing.DefaultClosedNotice {
				t.Fatalf("previous_session_closed %+v, want reason %s", p, tc.reason)
			}
			if !slices.Equal(out.Replies, append([]string{routing.DefaultClosedNotice}, want...)) {
				t.Errorf("replies %q, want the notice first", out.Replies)
			}
			// The notice is in the transcript, as sent.
			if lines := transcript(t, app, out.SessionID); len(lines) != 3 {
				t.Errorf("transcript %q, want the message, the notice and the reply", lines)
			}
			// Told once: the next message continues without it.
			again, err := app.Routing.Route(ctx, snd, "u1", "and again")
			if err != nil {
				t.Fatal(err)
			}
			if again.PreviousSessionClosed != nil {
				t.Errorf("told twice: %+v", again.PreviousSessionClosed)
			}
			// Someone new is not told anything.
			fresh, err := app.Routing.Route(ctx, snd, "u2", "hi")
			if err != nil {
				t.Fatal(err)
			}
			if fresh.PreviousSessionClosed != nil {
				t.Errorf("a first conversation told %+v", fresh.PreviousSessionClosed)
			}
		})
	}
}

// TestClosedNoticeOwnText: a chatbot's own wording replaces the default.
func TestClosedNoticeOwnText(t *testing.T) {
	ctx := context.Background()
	app, _, snd := newApp(t)
	first := liveBot(t, app, "First", snd.ID, survey(), lifecycle.ActivateOptions{})
	next := newBot(t, app, "Next", snd.ID, oneLiner("Hi."))
	if err := app.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.SetClosedNotice(ctx, next.ID, "We moved to a new menu; let us start over.", time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Routing.Route(ctx, snd, "u1", "hi"); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Lifecycle.Deactivate(ctx, who.System(), first.ID, lifecycle.GraceOf(0)); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Lifecycle.Activate(ctx, who.System(), next.ID, lifecycle.ActivateOptions{}); err != nil {
		t.Fatal(err)
	}
	out, err := app.Routing.Route(ctx, snd, "u1", "hi")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.Replies, []string{"We moved to a new menu; let us start over.", "Hi."}) {
		t.Errorf("replies %q", out.Replies)
	}
}

type routeEnv struct {
	t           *testing.T
	app         *testkit.App
	clk         *clock
	first, next store.Chatbot
}

func (e *routeEnv) must(_ store.Chatbot, err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}
