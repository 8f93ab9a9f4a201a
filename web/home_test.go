package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
)

// TestHomeIsTheOperationsOverview: the home page shows the graces running
// with their countdown and sessions left, the live chatbots by sender, and
// drafts only to those who may activate them.
func TestHomeIsTheOperationsOverview(t *testing.T) {
	app, srv := newServer(t)
	fx := newFixture(t, app)
	if _, err := app.Lifecycle.Activate(context.Background(), accounts.System(), fx.draft.ID, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(time.Hour)}); err != nil {
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
			"Live chatbots", "Matrix draft</a>", "<code>matrix</code>", `data-hx-select="#ops"`)
		if tc.drafts {
			mustContain(t, res.Body, "Drafts waiting for activation", "Matrix doomed</a>")
		} else {
			mustNotContain(t, res.Body, "Drafts waiting for activation")
		}
		// The poll gets the same page; htmx keeps #ops.
		mustContain(t, c.get("/", "HX-Request", "true").Body, `id="ops"`)
	}
}
