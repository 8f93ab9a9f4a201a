package lifecycle_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
)

// TestGraceMustBeStated: activate over, deactivate and roll back over a
// chatbot with open sessions refuse an unstated grace with
// open_sessions_need_a_choice (the count in details) and change nothing;
// without open sessions, or with the grace stated (0 included), they go on.
func TestGraceMustBeStated(t *testing.T) {
	ctx := context.Background()
	type step func(e *env, g lifecycle.Grace) (int64, error) // returns the chatbot whose sessions are at stake
	redeploy := func(e *env, g lifecycle.Grace) (int64, error) {
		a := e.live("A", lifecycle.ActivateOptions{})
		b := e.bot("B", e.snd.ID, valid())
		e.chatN(2)
		_, err := e.app.Lifecycle.Activate(ctx, e.manager, b.ID, lifecycle.ActivateOptions{PreviousGrace: g})
		return a.ID, err
	}
	deactivate := func(e *env, g lifecycle.Grace) (int64, error) {
		a := e.live("A", lifecycle.ActivateOptions{})
		e.chatN(2)
		_, err := e.app.Lifecycle.Deactivate(ctx, e.manager, a.ID, g)
		return a.ID, err
	}
	rollback := func(e *env, g lifecycle.Grace) (int64, error) {
		d := e.live("D", lifecycle.ActivateOptions{})
		e.chat("old")
		a := e.live("A", lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(time.Hour)})
		e.chatN(2)
		_, err := e.app.Lifecycle.Rollback(ctx, e.manager, d.ID, g)
		return a.ID, err
	}
	for _, tc := range []struct {
		name    string
		do      step
		grace   lifecycle.Grace
		refused bool
		after   string // status of the chatbot at stake after
	}{
		{"redeploy unstated", redeploy, lifecycle.Grace{}, true, store.StatusActive},
		{"redeploy none", redeploy, lifecycle.GraceOf(0), false, store.StatusInactive},
		{"redeploy 15m", redeploy, lifecycle.GraceOf(15 * time.Minute), false, store.StatusDeactivated},
		{"deactivate unstated", deactivate, lifecycle.Grace{}, true, store.StatusActive},
		{"deactivate none", deactivate, lifecycle.GraceOf(0), false, store.StatusInactive},
		{"deactivate 15m", deactivate, lifecycle.GraceOf(15 * time.Minute), false, store.StatusDeactivated},
		{"rollback unstated", rollback, lifecycle.Grace{}, true, store.StatusActive},
		{"rollback none", rollback, lifecycle.GraceOf(0), false, store.StatusInactive},
		{"rollback 15m", rollback, lifecycle.GraceOf(15 * time.Minute), false, store.StatusDeactivated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			id, err := tc.do(e, tc.grace)
			if tc.refused {
				p, ok := problem.As(err)
				if !ok || p.Kind != problem.Conflict || p.Code != "open_sessions_need_a_choice" {
					t.Fatalf("got %v, want open_sessions_need_a_choice", err)
				}
				if n, _ := p.Details.(map[string]any)["open_sessions"].(int); n != 2 {
					t.Errorf("details %v, want open_sessions 2", p.Details)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if got := e.chatbot(id).Status; got != tc.after {
				t.Errorf("status %s, want %s", got, tc.after)
			}
			checkInvariants(t, e.app)
		})
	}
}

// TestUnstatedGraceWithoutOpenSessions: nothing to protect, nothing to
// choose; the unstated grace is none.
func TestUnstatedGraceWithoutOpenSessions(t *testing.T) {
	e := newEnv(t)
	a := e.live("A", lifecycle.ActivateOptions{})
	if _, err := e.app.Lifecycle.Deactivate(context.Background(), e.manager, a.ID, lifecycle.Grace{}); err != nil {
		t.Fatal(err)
	}
	if got := e.chatbot(a.ID).Status; got != store.StatusInactive {
		t.Errorf("status %s, want inactive", got)
	}
}

// TestRefusalChangesNothing: the refused transition leaves the database
// as it was.
func TestRefusalChangesNothing(t *testing.T) {
	e := newEnv(t)
	a := e.live("A", lifecycle.ActivateOptions{})
	e.chatN(3)
	b := e.bot("B", e.snd.ID, valid())
	before := e.snapshot()
	ctx := context.Background()
	if _, err := e.app.Lifecycle.Activate(ctx, e.manager, b.ID, lifecycle.ActivateOptions{}); !problem.Is(err, problem.Conflict) {
		t.Fatalf("activate: %v", err)
	}
	if _, err := e.app.Lifecycle.Deactivate(ctx, e.manager, a.ID, lifecycle.Grace{}); !problem.Is(err, problem.Conflict) {
		t.Fatalf("deactivate: %v", err)
	}
	if after := e.snapshot(); !reflect.DeepEqual(before, after) {
		t.Errorf("refusals changed the database")
	}
}

// chatN opens n sessions of distinct end users.
func (e *env) chatN(n int) {
	e.t.Helper()
	for i := range n {
		e.chat("+1555000" + string(rune('0'+i)))
	}
}

// TestParseGraceForms: the grace control accepts what people type.
func TestParseGraceForms(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{"90s", 90 * time.Second, false},
		{"15m", 15 * time.Minute, false},
		{"15 min", 15 * time.Minute, false},
		{"15 minutes", 15 * time.Minute, false},
		{"15 Minutes", 15 * time.Minute, false},
		{"1 minute", time.Minute, false},
		{"1h30m", 90 * time.Minute, false},
		{"1h 30m", 90 * time.Minute, false},
		{"1 hour 30 minutes", 90 * time.Minute, false},
		{"1 hour and 30 minutes", 90 * time.Minute, false},
		{"2 days", 48 * time.Hour, false},
		{"2d", 48 * time.Hour, false},
		{"3 hrs", 3 * time.Hour, false},
		{"none", 0, false},
		{"", 0, false},
		{"30 days", lifecycle.MaxGrace, false},
		{"30 days 1s", 0, true},
		{"29d 25h", 0, true},
		{"99999999999999999999d", 0, true},
		{"15", 0, true},
		{"minutes", 0, true},
		{"15 fortnights", 0, true},
		{"1.5h", 0, true},
		{"-5m", 0, true},
		{"5m-", 0, true},
		{"h2", 0, true},
	} {
		got, err := lifecycle.ParseGrace(tc.in)
		if tc.bad != (err != nil) || (err == nil && got != tc.want) {
			t.Errorf("ParseGrace(%q) = %s, %v; want %s (error %v)", tc.in, got, err, tc.want, tc.bad)
		}
		if err != nil && !problem.Is(err, problem.Invalid) {
			t.Errorf("ParseGrace(%q): %v is not an Invalid problem", tc.in, err)
		}
	}
}
