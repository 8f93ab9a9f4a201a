package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/who"
)

type apiSessionsBody struct {
	Sessions []struct {
		ID          int64  `json:"id"`
		EndUser     string `json:"end_user"`
		Status      string `json:"status"`
		CloseReason string `json:"close_reason"`
	} `json:"sessions"`
	NextBefore int64 `json:"next_before"`
}

// TestAPIChatbotSessions: filters by status, end user, close reason and
// dates, keyset paging, and clear refusals of bad filters.
func TestAPIChatbotSessions(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	for _, u := range []string{"a", "b", "c", "d"} {
		if _, err := e.app.Routing.Route(ctx, e.fx.sender, u, "hi"); err != nil {
			t.Fatal(err)
		}
	}
	// The redeploy closes all five (the fixture's visitor too) as deactivated.
	if _, err := e.app.Lifecycle.Activate(ctx, who.System(), e.fx.draft.ID, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(0)}); err != nil {
		t.Fatal(err)
	}
	base := "/api/v1/chatbots/" + itoa(e.fx.active.ID) + "/sessions"
	get := func(query string) apiSessionsBody {
		t.Helper()
		res := e.c.get(base+query, e.as(rbac.Supervisor)...)
		if res.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", query, res.Status, res.Body)
		}
		var b apiSessionsBody
		apiDecode(t, res, &b)
		return b
	}
	if b := get(""); len(b.Sessions) != 5 || b.NextBefore != 0 || b.Sessions[0].EndUser != "d" {
		t.Errorf("all: %+v", b)
	}
	if b := get("?status=open"); len(b.Sessions) != 0 {
		t.Errorf("open: %+v", b)
	}
	if b := get("?status=closed&reason=deactivated&end_user=b"); len(b.Sessions) != 1 || b.Sessions[0].EndUser != "b" || b.Sessions[0].CloseReason != "deactivated" {
		t.Errorf("b: %+v", b)
	}
	if b := get("?reason=timeout"); len(b.Sessions) != 0 {
		t.Errorf("timeout: %+v", b)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	if b := get("?from=" + today + "&to=" + today); len(b.Sessions) != 5 {
		t.Errorf("today: %d sessions", len(b.Sessions))
	}
	if b := get("?from=" + tomorrow); len(b.Sessions) != 0 {
		t.Errorf("from tomorrow: %d sessions", len(b.Sessions))
	}
	// Keyset paging: 2 + 2 + 1, no repeats.
	seen := map[int64]bool{}
	query, pages := "?limit=2", 0
	for {
		b := get(query)
		pages++
		for _, s := range b.Sessions {
			if seen[s.ID] {
				t.Fatalf("session %d twice", s.ID)
			}
			seen[s.ID] = true
		}
		if b.NextBefore == 0 {
			break
		}
		query = "?limit=2&before=" + itoa(b.NextBefore)
	}
	if pages != 3 || len(seen) != 5 {
		t.Errorf("%d pages, %d sessions; want 3 and 5", pages, len(seen))
	}
	for _, bad := range []string{"?status=paused", "?reason=bored", "?from=yesterday", "?from=" + tomorrow + "&to=" + today, "?limit=0", "?limit=9999", "?before=-1", "?end_user=" + strings.Repeat("x", 1100)} {
		apiWantError(t, e.c.get(base+bad, e.as(rbac.Supervisor)...), http.StatusUnprocessableEntity, "")
	}
	apiWantError(t, e.c.get(base, e.as(rbac.Analyzer)...), http.StatusForbidden, "forbidden")
}

// TestDrainingView: the draining fragment lists the open sessions with
// links to their transcripts; opened directly it is the whole page.
func TestDrainingView(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	if _, err := app.Lifecycle.Activate(context.Background(), who.System(), fx.draft.ID, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv)
	c.loginAs(rbac.Manager)
	path := "/chatbots/" + itoa(fx.active.ID) + "/draining"
	frag := c.get(path, "HX-Request", "true")
	if frag.Status != http.StatusOK || strings.Contains(frag.Body, "<html") {
		t.Fatalf("fragment: %d\n%s", frag.Status, excerpt(frag.Body))
	}
	mustContain(t, frag.Body, "1 open session", `<code class="oneline" title="visitor">visitor</code>`, "/chatbots/"+itoa(fx.active.ID)+"/sessions/"+itoa(fx.session))
	full := c.get(path)
	if full.Status != http.StatusOK {
		t.Fatalf("direct: %d", full.Status)
	}
	mustContain(t, full.Body, "<!doctype html>", "stylesheet", "Draining:", "Extend the grace by", "End grace now")
}
