package analytics_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/analytics"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

type reportEnv struct {
	t   *testing.T
	app *testkit.App
	clk *clock
	snd store.Sender
	mgr who.Actor
}

func (e *reportEnv) at(s string) {
	e.t.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		e.t.Fatal(err)
	}
	e.clk.Set(t)
}

func (e *reportEnv) say(user string, texts ...string) {
	e.t.Helper()
	for _, text := range texts {
		if _, err := e.app.Routing.Route(context.Background(), e.snd, user, text); err != nil {
			e.t.Fatal(err)
		}
		e.clk.Advance(time.Minute)
	}
}

func (e *reportEnv) report(in analytics.Input) analytics.Report {
	e.t.Helper()
	ctx := context.Background()
	q, err := e.app.Analytics.ParseQuery(ctx, in)
	if err != nil {
		e.t.Fatal(err)
	}
	r, err := e.app.Analytics.Report(ctx, who.Actor{User: e.app.Users[rbac.Analyzer]}, q)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *reportEnv) live(greeting string, rename bool) store.Chatbot {
	e.t.Helper()
	ctx := context.Background()
	def := shop(greeting)
	if rename {
		def.Dialogs[2].Name = "Opening hours"
		def.Dialogs[0].Elements[1].Branches = def.Dialogs[0].Elements[1].Branches[:2]
		def.Dialogs = def.Dialogs[:4]
	}
	c, err := e.app.Chatbots.Create(ctx, who.System(), chatbots.Settings{Name: greeting, Channel: "livechat", SenderID: e.snd.ID})
	if err != nil {
		e.t.Fatal(err)
	}
	if c, err = e.app.Chatbots.Update(ctx, who.System(), c.ID, chatbots.Edit{Version: c.Version, Apply: chatbots.ReplaceDefinition(def)}); err != nil {
		e.t.Fatal(err)
	}
	if c, err = e.app.Lifecycle.Activate(ctx, e.mgr, c.ID, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(0)}); err != nil {
		e.t.Fatal(err)
	}
	return c
}

func newReportEnv(t *testing.T) *reportEnv {
	app := testkit.New(t)
	e := &reportEnv{t: t, app: app, clk: &clock{}, mgr: who.Actor{User: app.Users[rbac.Manager]}}
	app.SetClock(e.clk.Now)
	e.at("2026-03-27T08:00:00Z")
	var err error
	if e.snd, err = app.Senders.Create(context.Background(), who.System(), "livechat", "shop"); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestReportDaysInTheViewersZone puts traffic either side of midnight in
// Berlin and checks where the days, the previous period, unique end
// users, releases and dialogs come out.
func TestReportDaysInTheViewersZone(t *testing.T) {
	e := newReportEnv(t)
	first := e.live("Hello", false)
	e.at("2026-03-27T10:00:00Z") // previous period (Mar 27 in Berlin)
	e.say("carol", "hi", "bye")
	e.at("2026-03-28T22:30:00Z") // 23:30 on Mar 28 in Berlin
	e.say("alice", "hi", "hours", "bye")
	e.at("2026-03-28T23:30:00Z") // 01:30 on Mar 29 in Berlin (after the clocks went forward)
	e.say("bob", "hi", "what?", "order", "3")
	e.say("alice", "hi", "bye") // a second session of the same end user
	second := e.live("Hello again", true)
	e.at("2026-03-29T12:00:00Z")
	e.say("dave", "hi", "hours", "blah")
	e.at("2026-03-31T06:00:00Z") // the range is in the past now

	in := analytics.Input{Range: "custom", From: "2026-03-28", To: "2026-03-29", TZ: "Europe/Berlin", Chatbot: "", Release: ""}
	r := e.report(in)
	if !r.Hourly || len(r.Buckets) != 47 { // Mar 29 in Berlin has 23 hours
		t.Fatalf("two days: hourly %v, %d buckets; want 47 hours", r.Hourly, len(r.Buckets))
	}
	in.To = "2026-03-30"
	r = e.report(in)
	if r.Hourly || len(r.Buckets) != 3 {
		t.Fatalf("three days: %d buckets, hourly %v", len(r.Buckets), r.Hourly)
	}
	if got := [3]int64{r.Buckets[0].SessionsOpened, r.Buckets[1].SessionsOpened, r.Buckets[2].SessionsOpened}; got != [3]int64{1, 3, 0} {
		t.Errorf("sessions by Berlin day = %v, want [1 3 0]", got)
	}
	if r.Current.SessionsOpened != 4 || r.Current.EndUsers != 3 || r.Previous.SessionsOpened != 1 || r.Previous.EndUsers != 1 {
		t.Errorf("current %d sessions / %d users, previous %d / %d; want 4/3 and 1/1 (Mar 25-27 holds carol)",
			r.Current.SessionsOpened, r.Current.EndUsers, r.Previous.SessionsOpened, r.Previous.EndUsers)
	}

	// One chatbot: its dialogs, named as now or as in its last release.
	in.Chatbot = itoa(first.ID)
	r = e.report(in)
	names := map[string]analytics.Dialog{}
	for _, d := range r.Dialogs {
		names[d.DialogID] = d
	}
	if d := names["bye"]; d.Name != "Bye" || d.Removed || d.Entries != 2 || d.Ended == 0 {
		t.Errorf("bye dialog = %+v", d)
	}
	if d := names["hours"]; d.Entries != 1 || d.Name != "Hours" {
		t.Errorf("hours dialog of the first chatbot = %+v", d)
	}
	in.Chatbot = itoa(second.ID)
	r = e.report(in)
	names = map[string]analytics.Dialog{}
	for _, d := range r.Dialogs {
		names[d.DialogID] = d
	}
	if d := names["hours"]; d.Name != "Opening hours" || d.Entries != 1 {
		t.Errorf("renamed dialog = %+v", d)
	}
	if r.Current.FallbackHits != 1 || len(r.Releases) != 1 || r.Releases[0].Number != 1 {
		t.Errorf("second chatbot: %d fallback hits, releases %+v", r.Current.FallbackHits, r.Releases)
	}
	// A release of another chatbot is refused.
	q, err := e.app.Analytics.ParseQuery(context.Background(), analytics.Input{Chatbot: itoa(second.ID), Release: itoa(r.Releases[0].ID + 100)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Analytics.Report(context.Background(), who.Actor{User: e.app.Users[rbac.Analyzer]}, q); !problem.Is(err, problem.Invalid) {
		t.Errorf("a release of no chatbot: err = %v", err)
	}

	// Once the hours are sketched, unique end users come from the
	// sketches and agree with the count from sessions.
	in.Chatbot = ""
	before := e.report(in).Current.EndUsers
	e.at("2026-04-02T00:00:00Z")
	if err := e.app.Analytics.SketchEndUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	if until, ok, _ := e.app.Store.SketchedUntil(context.Background()); !ok || until < store.Hour(time.Date(2026, 4, 1, 23, 0, 0, 0, time.UTC)) {
		t.Fatalf("sketched until %d (%v)", until, ok)
	}
	if after := e.report(in).Current.EndUsers; after != before || after != 3 {
		t.Errorf("unique end users from sketches = %d, from sessions = %d, want 3", after, before)
	}

	// The hour under way: its sketch so far, then the sessions since.
	e.at("2026-04-02T10:20:00Z")
	e.say("erin", "hi")
	e.at("2026-04-02T10:25:00Z")
	if err := e.app.Analytics.SketchEndUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	if partial, ok, _ := e.app.Store.PartialUntil(context.Background()); !ok || !partial.Equal(time.Date(2026, 4, 2, 10, 23, 0, 0, time.UTC)) {
		t.Fatalf("partial sketch until %v (%v)", partial, ok)
	}
	e.say("fay", "hi")
	today := e.report(analytics.Input{Range: "today", TZ: "UTC"})
	if today.Current.EndUsers != 2 || today.Current.SessionsOpened != 2 {
		t.Errorf("today: %d end users, %d sessions; want 2 and 2", today.Current.EndUsers, today.Current.SessionsOpened)
	}
}

func TestReportNeedsAnalyticsPermission(t *testing.T) {
	app := testkit.New(t)
	q, err := app.Analytics.ParseQuery(context.Background(), analytics.Input{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Analytics.Report(context.Background(), who.Actor{}, q); err == nil {
		t.Fatal("an anonymous actor read analytics")
	}
	q.ChatbotID = 999
	if _, err := app.Analytics.Report(context.Background(), who.Actor{User: app.Users[rbac.Analyzer]}, q); !problem.Is(err, problem.Invalid) {
		t.Fatalf("unknown chatbot: err = %v", err)
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// TestReportUnderWayComparesLikeForLike: while a range is under way its
// previous period is cut at the same hour, so a morning is not compared
// with a whole day; a range in the past is compared whole.
func TestReportUnderWayComparesLikeForLike(t *testing.T) {
	e := newReportEnv(t)
	e.at("2026-03-26T08:00:00Z")
	e.live("Hello", false)
	e.at("2026-03-26T09:00:00Z")
	e.say("ann", "hi", "bye")
	e.at("2026-03-26T20:00:00Z")
	e.say("bea", "hi", "bye")
	e.at("2026-03-27T10:30:00Z")
	e.say("cid", "hi", "bye")

	r := e.report(analytics.Input{Range: "today", TZ: "UTC"})
	if !r.PreviousCut || r.Current.SessionsOpened != 1 || r.Previous.SessionsOpened != 1 || r.Previous.EndUsers != 1 {
		t.Errorf("today so far: cut %v, %d sessions against %d (%d end users); want against yesterday's morning only (1)",
			r.PreviousCut, r.Current.SessionsOpened, r.Previous.SessionsOpened, r.Previous.EndUsers)
	}
	e.at("2026-03-28T01:00:00Z")
	r = e.report(analytics.Input{Range: "custom", From: "2026-03-27", To: "2026-03-27", TZ: "UTC"})
	if r.PreviousCut || r.Previous.SessionsOpened != 2 {
		t.Errorf("a past day: cut %v, previous %d sessions; want the whole day before (2)", r.PreviousCut, r.Previous.SessionsOpened)
	}
}
