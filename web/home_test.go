package web_test

import (
	"context"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// TestHomeIsTheOperationsOverview: the home page shows the graces running
// with their countdown and sessions left, the live chatbots by sender, and
// drafts only to those who may activate them.
func TestHomeIsTheOperationsOverview(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	if _, err := app.Lifecycle.Activate(context.Background(), who.System(), fx.draft.ID, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		role   rbac.Role
		drafts bool
	}{{rbac.Analyzer, false}, {rbac.Manager, true}, {rbac.Admin, true}} {
		c := newClient(t, srv)
		c.loginAs(tc.role)
		res := c.get("/")
		mustContain(t, res.Body, "Graces running", "Matrix bot</a>", "1 open session</strong> left", "data-countdown",
			"Live chatbots", "Matrix draft</a>", `<code class="oneline" title="matrix">matrix</code>`, `data-hx-select="#ops"`)
		if tc.drafts {
			mustContain(t, res.Body, "Drafts waiting for activation", "Matrix doomed</a>")
		} else {
			mustNotContain(t, res.Body, "Drafts waiting for activation")
		}
		// The poll gets the same page; htmx keeps #ops.
		mustContain(t, c.get("/", "HX-Request", "true").Body, `id="ops"`)
	}
}

// TestHomeShowsEventsTrafficAndJumps: the lifecycle feed (who did it only
// for those who may read the audit log), messages of the last hour or two
// per live chatbot, and a chatbot whose fallback rate jumped, with the
// rule in words.
func TestHomeShowsEventsTrafficAndJumps(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	ctx := context.Background()
	manager := who.Actor{User: app.Users[rbac.Manager], IP: "192.0.2.1"}
	if _, err := app.Lifecycle.Activate(ctx, manager, fx.draft.ID, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	err := app.Store.InTx(ctx, func(tx *store.Tx) error {
		// The day before: 2 % fell back; now 40 % of 30.
		tx.CountTraffic(store.Traffic{ChatbotID: fx.draft.ID, At: now.Add(-5 * time.Hour), Inbound: 1000, Outbound: 1000, FallbackHits: 20})
		tx.CountTraffic(store.Traffic{ChatbotID: fx.draft.ID, At: now, Inbound: 30, Outbound: 30, FallbackHits: 12})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		role   rbac.Role
		actors bool
	}{{rbac.Analyzer, false}, {rbac.Designer, false}, {rbac.Admin, true}} {
		c := newClient(t, srv)
		c.loginAs(tc.role)
		for _, h := range [][]string{nil, {"HX-Request", "true"}} {
			body := c.get("/", h...).Body
			mustContain(t, body, "Recent lifecycle events",
				"Matrix draft</a> activated", "Matrix bot</a> deactivated; it finishes its open conversations in a grace period",
				"Fallback rate jumped", "40.0%</strong> of 30 messages fell back, against 2.0% the day before",
				"Listed when, over this hour and the one before, with at least 20 messages in",
				`data-label="Messages, this hour and the last">60 · 0</td>`, "this hour and the last")
			if tc.actors {
				mustContain(t, body, "by manager@test.local", `href="/audit?action=chatbot."`)
			} else {
				mustNotContain(t, body, "manager@test.local", "by system")
			}
		}
	}
}

// TestHomeLinksWhatTheRoleMayOpen: an analyzer may not open a chatbot's
// page (403), so home links each chatbot to its analytics instead; a
// supervisor gets the chatbot's page.
func TestHomeLinksWhatTheRoleMayOpen(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	if _, err := app.Lifecycle.Activate(context.Background(), who.System(), fx.draft.ID, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	analyzer := newClient(t, srv)
	analyzer.loginAs(rbac.Analyzer)
	body := analyzer.get("/").Body
	mustNotContain(t, body, `href="/chatbots/`)
	mustContain(t, body, `href="/analytics?chatbot=`+itoa(fx.draft.ID)+`"`, `href="/analytics?chatbot=`+itoa(fx.active.ID)+`"`)
	supervisor := newClient(t, srv)
	supervisor.loginAs(rbac.Supervisor)
	mustContain(t, supervisor.get("/").Body, `href="/chatbots/`+itoa(fx.draft.ID)+`"`, `href="/chatbots/`+itoa(fx.active.ID)+`#draining"`)
}

// TestHomeMessagesThisHourAndTheLast: the column "Messages, this hour and
// the last" shows both numbers, not their sum as one.
func TestHomeMessagesThisHourAndTheLast(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	ctx := context.Background()
	now := time.Now().UTC()
	err := app.Store.InTx(ctx, func(tx *store.Tx) error {
		tx.CountTraffic(store.Traffic{ChatbotID: fx.active.ID, At: now.Add(-time.Hour), Inbound: 3, Outbound: 4})
		tx.CountTraffic(store.Traffic{ChatbotID: fx.active.ID, At: now, Inbound: 10, Outbound: 10})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv)
	c.loginAs(rbac.Supervisor)
	// The fixture's own conversation adds a few messages to this hour.
	cell := regexp.MustCompile(`data-label="Messages, this hour and the last">(\d+) · (\d+)</td>`).FindStringSubmatch(c.get("/").Body)
	if cell == nil || cell[2] != "7" || atoi(t, cell[1]) < 20 {
		t.Errorf("messages cell %q, want this hour's 20 or more · the last hour's 7", cell)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
