package webhooks_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/webhooks"
	"github.com/answers-console/answers/internal/who"
)

// received is one request a test receiver got.
type received struct {
	ID, Timestamp, Signature string
	Body                     string
	Status                   int
}

// receiver is a webhook receiver on loopback: it answers the statuses in
// plan in turn, then 200.
type receiver struct {
	mu   sync.Mutex
	plan []int
	got  []received
	srv  *httptest.Server
}

func newReceiver(t *testing.T, plan ...int) *receiver {
	r := &receiver{plan: plan}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		status := http.StatusOK
		if len(r.plan) > 0 {
			status, r.plan = r.plan[0], r.plan[1:]
		}
		r.got = append(r.got, received{req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature"), string(b), status})
		r.mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "status "+strconv.Itoa(status))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

var loopback = webhooks.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}

func admin(a *testkit.App) who.Actor { return who.Actor{User: a.Users[rbac.Admin], IP: "127.0.0.1"} }

// rounds runs the deliverer until nothing is due, moving the test clock
// past every retry between rounds: no waiting on real time.
func rounds(t *testing.T, ctx context.Context, a *testkit.App, clock *testkit.Clock) {
	t.Helper()
	for i := 0; i < 50; i++ {
		if _, err := a.Deliverer.Round(ctx); err != nil {
			t.Fatal(err)
		}
		next, err := a.Store.NextWebhookDelivery(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pending, err := a.Store.PendingWebhookEvents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if next.IsZero() && !pending {
			return
		}
		clock.Advance(time.Second)
	}
	t.Fatal("deliveries still pending after 50 rounds")
}

// A redeploy's lifecycle events all reach a receiver that fails once,
// signed (checked by this package's verifier and by the npm
// standardwebhooks package under Node), and the delivery log shows both
// attempts of the first one.
func TestRedeployEventsDeliveredAfterRetry(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is needed to check the signatures with the standardwebhooks package: ", err)
	}
	ctx := context.Background()
	a := testkit.New(t)
	clock := testkit.NewClock(time.Now().UTC())
	a.SetClock(clock.Now)
	a.SetWebhooks(loopback, webhooks.ScaledSchedule(10*time.Millisecond))
	recv := newReceiver(t, http.StatusInternalServerError)

	url, events, desc := recv.srv.URL+"/hooks", []string{"chatbot.*"}, "lifecycle"
	ep, err := a.Webhooks.Create(ctx, admin(a), webhooks.Input{URL: &url, Events: &events, Description: &desc})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ep.Secret, "whsec_") {
		t.Fatalf("secret %q", ep.Secret)
	}
	first, err := a.Store.FilterAudit(ctx, store.AuditFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	since := first.Entries[0].ID

	// A redeploy: v1 live, v2 over it with a grace, the grace ended.
	sys := who.System()
	snd, err := a.Senders.Create(ctx, sys, "sms", "+15553334444")
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
	if _, err := a.Lifecycle.Activate(ctx, sys, bots[1].ID, lifecycle.ActivateOptions{OverrideWarnings: true, PreviousGrace: lifecycle.GraceOf(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	// Within the 5 minutes receivers allow timestamps to be off by.
	clock.Advance(2 * time.Minute)
	if n, err := a.Lifecycle.ExpireGraces(ctx); err != nil || n != 1 {
		t.Fatalf("grace ends: %d, %v", n, err)
	}
	rounds(t, ctx, a, clock)

	// Every chatbot.* audit entry since the endpoint was made, exactly.
	page, err := a.Store.FilterAudit(ctx, store.AuditFilter{Action: "chatbot.", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	wantHash := map[int64]string{}
	for _, e := range page.Entries {
		if e.ID > since {
			wantHash[e.ID] = e.Hash
		}
	}
	if len(wantHash) < 4 {
		t.Fatalf("only %d chatbot entries: the redeploy did not happen as planned", len(wantHash))
	}
	got := recv.requests()
	delivered := map[int64]bool{}
	types := map[string]bool{}
	for _, r := range got {
		ts, _ := strconv.ParseInt(r.Timestamp, 10, 64)
		if err := webhooks.Verify(ep.Secret, r.ID, ts, []byte(r.Body), r.Signature); err != nil {
			t.Errorf("%s: %v", r.ID, err)
		}
		var body struct {
			Type      string `json:"type"`
			Timestamp string `json:"timestamp"`
			Data      struct {
				AuditID int64  `json:"audit_id"`
				Hash    string `json:"hash"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			t.Fatalf("body %s: %v", r.Body, err)
		}
		if wantHash[body.Data.AuditID] != body.Data.Hash || !strings.HasPrefix(body.Type, "chatbot.") || body.Timestamp == "" {
			t.Errorf("event %s does not match audit entry %d", r.Body, body.Data.AuditID)
		}
		if r.Status == http.StatusOK {
			if delivered[body.Data.AuditID] {
				t.Errorf("entry %d delivered twice", body.Data.AuditID)
			}
			delivered[body.Data.AuditID] = true
		}
		types[body.Type] = true
	}
	for id := range wantHash {
		if !delivered[id] {
			t.Errorf("audit entry %d never delivered", id)
		}
	}
	for _, typ := range []string{"chatbot.activated", "chatbot.grace_ended"} {
		if !types[typ] {
			t.Errorf("no %s event (got %v)", typ, types)
		}
	}
	if got[0].Status != 500 {
		t.Fatalf("the first request got %d", got[0].Status)
	}
	// The one that failed came again with the same webhook-id.
	var again int
	for _, r := range got[1:] {
		if r.ID == got[0].ID {
			again++
		}
	}
	if again != 1 {
		t.Errorf("%s sent again %d times, want 1", got[0].ID, again)
	}

	// The delivery log: both attempts of that delivery.
	log, err := a.Webhooks.Attempts(ctx, admin(a), ep.ID, 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	var tries []store.WebhookAttempt
	for _, at := range log {
		if webhooks.MessageID(at.EventID) == got[0].ID {
			tries = append(tries, at)
		}
	}
	if len(tries) != 2 || tries[1].Attempt != 1 || tries[1].Status != 500 || tries[1].Error == "" ||
		tries[0].Attempt != 2 || tries[0].Status != 200 || tries[0].State != "delivered" || tries[0].Response != "status 200" {
		t.Errorf("delivery log of %s: %+v", got[0].ID, tries)
	}

	// The independent check: npm standardwebhooks, under Node.
	verifyWithNode(t, node, ep.Secret, got)
}

func verifyWithNode(t *testing.T, node, secret string, got []received) {
	t.Helper()
	dir := t.TempDir()
	in, _ := json.Marshal(map[string]any{"secret": secret, "requests": got})
	file := filepath.Join(dir, "requests.json")
	if err := os.WriteFile(file, in, 0o600); err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.Abs("../..")
	script := `
const { Webhook } = require(process.argv[1]);
const { secret, requests } = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
const wh = new Webhook(secret);
let n = 0;
for (const r of requests) {
  wh.verify(r.Body, { "webhook-id": r.ID, "webhook-timestamp": r.Timestamp, "webhook-signature": r.Signature });
  n++;
}
console.log("verified " + n);
`
	out, err := exec.Command(node, "-e", script, filepath.Join(root, "node_modules", "standardwebhooks"), file).CombinedOutput()
	if err != nil {
		t.Fatalf("standardwebhooks refused a signature: %v\n%s", err, out)
	}
	if want := "verified " + strconv.Itoa(len(got)); strings.TrimSpace(string(out)) != want {
		t.Fatalf("node: %s, want %s", out, want)
	}
}

// An endpoint on a loopback address is refused without --webhook-allow,
// nothing is saved, and the receiver gets nothing; one saved while the
// address was allowed is stopped at connect time once it is not.
func TestLoopbackRefusedWithoutAllow(t *testing.T) {
	ctx := context.Background()
	a := testkit.New(t)
	clock := testkit.NewClock(time.Now().UTC())
	a.SetClock(clock.Now)
	a.SetWebhooks(webhooks.Guard{}, webhooks.ScaledSchedule(10*time.Millisecond))
	recv := newReceiver(t)
	events := []string{"*"}
	for _, u := range []string{recv.srv.URL + "/hooks", strings.Replace(recv.srv.URL, "127.0.0.1", "localhost", 1)} {
		_, err := a.Webhooks.Create(ctx, admin(a), webhooks.Input{URL: &u, Events: &events})
		if p := testkit.WantProblem(t, err, problem.Invalid, "invalid_url"); p.Field != "url" {
			t.Errorf("refusal names %q, want url", p.Field)
		}
	}
	if list, _ := a.Webhooks.List(ctx, admin(a)); len(list) != 0 {
		t.Fatalf("endpoints saved: %+v", list)
	}

	// Saved while allowed (a name would resolve at connect time the same way).
	a.SetWebhooks(loopback, webhooks.ScaledSchedule(10*time.Millisecond))
	u := recv.srv.URL + "/hooks"
	ep, err := a.Webhooks.Create(ctx, admin(a), webhooks.Input{URL: &u, Events: &events})
	if err != nil {
		t.Fatal(err)
	}
	a.SetWebhooks(webhooks.Guard{}, webhooks.ScaledSchedule(10*time.Millisecond))
	if err := a.Webhooks.SendTest(ctx, admin(a), ep.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Deliverer.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(recv.requests()); n != 0 {
		t.Fatalf("the receiver got %d requests", n)
	}
	log, err := a.Webhooks.Attempts(ctx, admin(a), ep.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) == 0 || !strings.Contains(log[0].Error, "local or private") || log[0].Status != 0 {
		t.Fatalf("log: %+v", log)
	}
}

// Permissions: only admins manage endpoints.
func TestOnlyAdminsManageWebhooks(t *testing.T) {
	ctx := context.Background()
	a := testkit.New(t)
	u, ev := "https://example.com/hooks", []string{"*"}
	for _, r := range rbac.Roles() {
		_, err := a.Webhooks.Create(ctx, who.Actor{User: a.Users[r]}, webhooks.Input{URL: &u, Events: &ev})
		if r == rbac.Admin {
			if err != nil {
				t.Errorf("admin: %v", err)
			}
			continue
		}
		testkit.WantProblem(t, err, problem.Forbidden, "forbidden")
	}
}

// Rotation: both secrets sign for the overlap, then only the new one;
// every change is audited.
func TestRotateOverlap(t *testing.T) {
	ctx := context.Background()
	a := testkit.New(t)
	clock := testkit.NewClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	a.SetClock(clock.Now)
	u, ev := "https://example.com/hooks", []string{"*"}
	ep, err := a.Webhooks.Create(ctx, admin(a), webhooks.Input{URL: &u, Events: &ev})
	if err != nil {
		t.Fatal(err)
	}
	old := ep.Secret
	ep, err = a.Webhooks.Rotate(ctx, admin(a), ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s := ep.Secrets(clock.Now()); len(s) != 2 || s[0] == old || s[1] != old {
		t.Fatalf("secrets during the overlap: %v", s)
	}
	if s := ep.Secrets(clock.Now().Add(webhooks.RotationOverlap)); len(s) != 1 || s[0] == old {
		t.Fatalf("secrets after the overlap: %v", s)
	}
	h, err := webhooks.SignatureHeader(ep.Secrets(clock.Now()), "msg_1", 1, []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if webhooks.Verify(old, "msg_1", 1, []byte("{}"), h) != nil || webhooks.Verify(ep.Secret, "msg_1", 1, []byte("{}"), h) != nil {
		t.Fatalf("header %q does not carry both signatures", h)
	}
	page, err := a.Store.FilterAudit(ctx, store.AuditFilter{Action: "webhook.", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 2 || page.Entries[0].Action != webhooks.ActionRotated || page.Entries[1].Action != webhooks.ActionCreated {
		t.Fatalf("audit: %+v", page.Entries)
	}
	if strings.Contains(page.Entries[0].DetailsJSON(), "whsec_") {
		t.Fatal("a secret reached the audit log")
	}
	// Bad input: a clear refusal, nothing changed.
	bad := []string{"Chatbot.*"}
	_, err = a.Webhooks.Update(ctx, admin(a), ep.ID, webhooks.Input{Events: &bad})
	testkit.WantProblem(t, err, problem.Invalid, "invalid_events")
	if got, _ := a.Webhooks.Get(ctx, admin(a), ep.ID); got.Events[0] != "*" {
		t.Fatalf("events changed to %v", got.Events)
	}
}

// session.opened and session.closed (with the reason) reach an endpoint
// that subscribes; without one, routing writes no session event at all.
func TestSessionEvents(t *testing.T) {
	ctx := context.Background()
	a := testkit.New(t)
	clock := testkit.NewClock(time.Now().UTC())
	a.SetClock(clock.Now)
	a.SetWebhooks(loopback, webhooks.ScaledSchedule(10*time.Millisecond))
	recv := newReceiver(t)
	sys := who.System()
	snd, err := a.Senders.Create(ctx, sys, "sms", "+15556667777")
	if err != nil {
		t.Fatal(err)
	}
	bot, err := a.Chatbots.Create(ctx, sys, chatbots.Settings{Name: "s", Channel: "sms", SenderID: snd.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Lifecycle.Activate(ctx, sys, bot.ID, lifecycle.ActivateOptions{OverrideWarnings: true}); err != nil {
		t.Fatal(err)
	}
	countSessionEvents := func() int {
		var n int
		if err := a.Store.R.QueryRowContext(ctx, `SELECT count(*) FROM webhook_events WHERE type LIKE 'session.%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := a.Routing.Route(ctx, snd, "+1999", "hi"); err != nil {
		t.Fatal(err)
	}
	if n := countSessionEvents(); n != 0 {
		t.Fatalf("%d session events written with no endpoint wanting them", n)
	}

	u, ev := recv.srv.URL+"/s", []string{"session.*"}
	if _, err := a.Webhooks.Create(ctx, admin(a), webhooks.Input{URL: &u, Events: &ev}); err != nil {
		t.Fatal(err)
	}
	out, err := a.Routing.Route(ctx, snd, "+1888", "hi")
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour) // past the session timeout
	if n, err := a.Routing.Sweep(ctx); err != nil || n != 2 {
		t.Fatalf("sweep closed %d, %v", n, err)
	}
	rounds(t, ctx, a, clock)
	var got []string
	for _, r := range recv.requests() {
		var b struct {
			Type string
			Data struct {
				SessionID int64  `json:"session_id"`
				Reason    string `json:"reason"`
				EndUser   string `json:"end_user"`
			}
		}
		if err := json.Unmarshal([]byte(r.Body), &b); err != nil {
			t.Fatal(err)
		}
		got = append(got, b.Type+" "+strconv.FormatInt(b.Data.SessionID, 10)+" "+b.Data.EndUser+" "+b.Data.Reason)
	}
	want := map[string]bool{
		"session.opened " + strconv.FormatInt(out.SessionID, 10) + " +1888 ":        true,
		"session.closed " + strconv.FormatInt(out.SessionID, 10) + " +1888 timeout": true,
	}
	var matched int
	for _, g := range got {
		if want[g] {
			matched++
		}
	}
	// The first end user's session closes too (the endpoint exists by then).
	if matched != 2 || len(got) != 3 {
		t.Fatalf("got %q", got)
	}
}

// A test event to a disabled endpoint is refused, not queued where it
// would never go.
func TestTestEventNeedsAnEnabledEndpoint(t *testing.T) {
	ctx := context.Background()
	a := testkit.New(t)
	u, ev, off := "https://example.com/in", []string{"*"}, false
	ep, err := a.Webhooks.Create(ctx, admin(a), webhooks.Input{URL: &u, Events: &ev})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Webhooks.Update(ctx, admin(a), ep.ID, webhooks.Input{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	testkit.WantProblem(t, a.Webhooks.SendTest(ctx, admin(a), ep.ID), problem.Conflict, "webhook_disabled")
}

// A 410 disables the endpoint at once, audited, and its delivery fails.
func TestGoneDisables(t *testing.T) {
	ctx := context.Background()
	a := testkit.New(t)
	a.SetWebhooks(loopback, webhooks.ScaledSchedule(10*time.Millisecond))
	recv := newReceiver(t, http.StatusGone, http.StatusGone, http.StatusGone, http.StatusGone)
	u, ev := recv.srv.URL+"/gone", []string{"*"}
	ep, err := a.Webhooks.Create(ctx, admin(a), webhooks.Input{URL: &u, Events: &ev})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Webhooks.SendTest(ctx, admin(a), ep.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Deliverer.Round(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := a.Webhooks.Get(ctx, admin(a), ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Enabled || !strings.Contains(got.DisabledReason, "410") {
		t.Fatalf("after a 410: %+v", got)
	}
	page, err := a.Store.FilterAudit(ctx, store.AuditFilter{Action: webhooks.ActionDisabled, Limit: 5})
	if err != nil || len(page.Entries) != 1 || page.Entries[0].ActorName != "system" {
		t.Fatalf("audit: %+v %v", page.Entries, err)
	}
	if list, _ := a.Store.DisabledWebhooks(ctx); len(list) != 1 {
		t.Fatalf("disabled list: %+v", list)
	}
	// The round had claimed its three deliveries (the endpoint's own
	// creation, the test's audit entry and the test event) before the
	// first 410 came back; nothing goes out after.
	n := len(recv.requests())
	if n == 0 || n > 3 {
		t.Fatalf("%d requests", n)
	}
	if err := a.Webhooks.SendTest(ctx, admin(a), ep.ID); err == nil {
		t.Fatal("a test event to a disabled endpoint was queued")
	}
	if _, err := a.Deliverer.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if len(recv.requests()) != n {
		t.Fatal("a disabled endpoint got more requests")
	}
}
