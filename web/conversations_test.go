package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// TestConversationsInbox works a handed-over conversation from the
// console: the inbox lists it (page and live fragment, with the
// navigation's count), one person takes it and the other is told who
// won, the holder replies (an empty reply is refused and changes
// nothing), the bot stays silent meanwhile, and the hand-back runs the
// bot again. Analyzers and designers below supervisor may not see it.
func TestConversationsInbox(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	ctx := context.Background()
	snd, err := app.Senders.Create(ctx, who.System(), "livechat", "desk")
	if err != nil {
		t.Fatal(err)
	}
	bot := makeChatbot(t, app, "Desk", snd.ID, deskDef())
	if _, err := app.Lifecycle.Activate(ctx, who.System(), bot.ID, lifecycle.ActivateOptions{OverrideWarnings: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Routing.Route(ctx, snd, "ada", "hi"); err != nil {
		t.Fatal(err)
	}
	out, err := app.Routing.Route(ctx, snd, "ada", "agent please")
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(out.SessionID, 10)
	page := "/conversations/" + id

	sup := newClient(t, srv)
	sup.loginAs(rbac.Supervisor)
	res := sup.get("/conversations")
	if res.Status != http.StatusOK {
		t.Fatalf("inbox: status %d", res.Status)
	}
	mustContain(t, res.Body, "ada", "sales", `action="`+page+`/take"`)
	nav := res.Body[strings.Index(res.Body, `aria-label="Main"`):strings.Index(res.Body, "</nav>")]
	mustContain(t, nav, `id="nav-waiting"`, `<span class="count">1<span class="visually-hidden"> waiting</span>`)
	frag := sup.get("/conversations", "HX-Request", "true", "HX-Target", "inbox")
	mustContain(t, frag.Body, `id="inbox"`, `data-hx-swap-oob="true"`, "ada")
	if strings.Contains(frag.Body, "<html") {
		t.Error("the live fragment is a whole page")
	}
	if res := sup.get("/conversations?view=nonsense"); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown view: status %d, want 422", res.Status)
	}
	if res := sup.get("/conversations?queue=other"); !strings.Contains(res.Body, "No conversation waits in this queue") {
		t.Error("a queue with nothing waiting does not say so")
	}

	for _, r := range []rbac.Role{rbac.Analyzer} {
		c := newClient(t, srv)
		c.loginAs(r)
		if res := c.get("/conversations"); res.Status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", r, res.Status)
		}
		if strings.Contains(c.get("/").Body, `href="/conversations"`) {
			t.Errorf("%s sees Conversations in the navigation", r)
		}
	}

	// The stream's poll form: the version, and whether it moved on.
	var v struct {
		Version string `json:"version"`
		Changed bool   `json:"changed"`
	}
	if err := json.Unmarshal([]byte(sup.get("/conversations/events").Body), &v); err != nil || v.Version == "" || !v.Changed {
		t.Fatalf("inbox version: %+v, %v", v, err)
	}
	before := v.Version

	// One take wins; the other is told who holds it.
	res = sup.post(page+"/take", nil)
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != page {
		t.Fatalf("take: status %d, Location %q", res.Status, res.Header.Get("Location"))
	}
	mgr := newClient(t, srv)
	mgr.loginAs(rbac.Manager)
	res = mgr.post(page+"/take", nil)
	if res.Status != http.StatusConflict {
		t.Fatalf("second take: status %d, want 409", res.Status)
	}
	mustContain(t, res.Body, app.Users[rbac.Supervisor].Name, `role="alert"`)
	if strings.Contains(res.Body, `id="reply-text"`) {
		t.Error("the loser of the take gets a reply box")
	}
	if err := json.Unmarshal([]byte(sup.get("/conversations/events?"+url.Values{"version": {before}}.Encode()).Body), &v); err != nil || !v.Changed {
		t.Error("the inbox version did not change with the take")
	}

	// The holder's page; an empty reply changes nothing.
	res = sup.get(page)
	mustContain(t, res.Body, "you hold it", `id="reply-text"`, "Hand back", "A person will answer.")
	res = sup.post(page+"/messages", url.Values{"text": {"   "}})
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("empty reply: status %d, want 422", res.Status)
	}
	mustContain(t, res.Body, `aria-invalid="true"`)
	res = sup.post(page+"/messages", url.Values{"text": {"Hello Ada, Sam here."}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("reply: status %d", res.Status)
	}
	held, err := app.Routing.Route(ctx, snd, "ada", "thanks")
	if err != nil {
		t.Fatal(err)
	}
	if len(held.Replies) != 0 {
		t.Fatalf("the bot answered a conversation a person holds: %q", held.Replies)
	}
	res = sup.get(page)
	mustContain(t, res.Body, "Hello Ada, Sam here.", `data-direction="person"`, "thanks")
	live := sup.get(page, "HX-Request", "true", "HX-Target", "conversation-live")
	mustContain(t, live.Body, `id="conversation-live"`, "thanks")
	if strings.Contains(live.Body, `id="reply-text"`) {
		t.Error("the live fragment carries the reply box (a refresh would wipe what is being typed)")
	}
	msgs, err := app.Store.Transcript(ctx, out.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	var people int
	for _, m := range msgs {
		if m.Who() == store.DirectionPerson {
			people++
		}
	}
	if people != 1 {
		t.Errorf("%d people's messages stored, want 1 (the refused one stored nothing)", people)
	}

	// A hand-back at an unknown dialog is refused; at the entry the bot runs.
	if res := sup.post(page+"/resume", url.Values{"dialog": {"nowhere"}}); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("resume at an unknown dialog: status %d, want 422", res.Status)
	}
	if res := sup.post(page+"/resume", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("resume: status %d", res.Status)
	}
	back, err := app.Routing.Route(ctx, snd, "ada", "agent again")
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Replies) == 0 {
		tr, _ := app.Store.Transcript(ctx, out.SessionID)
		t.Fatalf("the bot stays silent after the hand-back: %+v\n%+v", back, tr)
	}
	// The bot answered (and handed over anew): the conversation waits again.
	if res := sup.get("/conversations"); !strings.Contains(res.Body, page+"/take") {
		t.Error("the conversation handed over again is not waiting in the inbox")
	}
	if res := sup.post(page+"/close", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("close: status %d", res.Status)
	}
	if res := sup.get("/conversations?view=all"); strings.Contains(res.Body, page) {
		t.Error("a closed conversation is still listed as held")
	}
	mustContain(t, sup.get(page).Body, "closed")
}

// TestConversationEventsStream reads the inbox's event stream: it says
// "changed" at once when the page's version is old, and again when a
// conversation is handed over while it is open.
func TestConversationEventsStream(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	ctx := context.Background()
	snd, err := app.Senders.Create(ctx, who.System(), "livechat", "desk")
	if err != nil {
		t.Fatal(err)
	}
	bot := makeChatbot(t, app, "Desk", snd.ID, deskDef())
	if _, err := app.Lifecycle.Activate(ctx, who.System(), bot.ID, lifecycle.ActivateOptions{OverrideWarnings: true}); err != nil {
		t.Fatal(err)
	}
	sup := newClient(t, srv)
	sup.loginAs(rbac.Supervisor)
	var v struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal([]byte(sup.get("/conversations/events").Body), &v); err != nil {
		t.Fatal(err)
	}

	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(sctx, http.MethodGet, srv.URL+"/conversations/events?"+url.Values{"version": {v.Version}}.Encode(), nil)
	req.Header.Set("Accept", "text/event-stream")
	res, err := sup.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("Content-Type %q", ct)
	}
	events := make(chan string, 4)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "event: ") {
				events <- strings.TrimPrefix(line, "event: ")
			}
		}
		close(events)
	}()
	// Nothing changed yet: no event within two polls.
	select {
	case e := <-events:
		t.Fatalf("event %q before anything changed", e)
	case <-time.After(2500 * time.Millisecond):
	}
	for _, say := range []string{"hi", "agent"} {
		if _, err := app.Routing.Route(ctx, snd, "bo", say); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case e, ok := <-events:
		if !ok || e != "changed" {
			t.Fatalf("got %q (%v), want changed", e, ok)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no changed event after a handover")
	}
}
