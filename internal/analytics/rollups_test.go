package analytics_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/axiomhq/hyperloglog"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// clock is the test clock of these tests.
type clock = testkit.Clock

// shop is a chatbot that branches on keywords, asks a typed question,
// falls back, jumps and closes: every kind of event the rollups count.
func shop(greeting string) *chatbot.Definition {
	el := func(typ, text string) chatbot.Element { return chatbot.Element{Type: typ, Text: text} }
	jump := func(d string) chatbot.Element { return chatbot.Element{Type: chatbot.ElementGoto, Dialog: d} }
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{{Name: "qty", Type: chatbot.AttributeNumber}},
		Entry:      "menu", Fallback: "help",
		Dialogs: []chatbot.Dialog{
			{ID: "menu", Name: "Menu", Elements: []chatbot.Element{
				el(chatbot.ElementMessage, greeting),
				{Type: chatbot.ElementKeywords, Branches: []chatbot.Branch{
					{Keywords: []string{"order"}, Dialog: "order"},
					{Keywords: []string{"hours"}, Dialog: "hours"},
					{Keywords: []string{"bye"}, Dialog: "bye"},
				}},
			}},
			{ID: "order", Name: "Order", Elements: []chatbot.Element{
				{Type: chatbot.ElementQuestion, Text: "How many?", Attribute: "qty", MaxTries: 2},
				el(chatbot.ElementMessage, "{{qty}} on the way."), jump("menu"),
			}},
			{ID: "hours", Name: "Hours", Elements: []chatbot.Element{el(chatbot.ElementMessage, "9 to 5."), jump("menu")}},
			{ID: "help", Name: "Help", Elements: []chatbot.Element{el(chatbot.ElementMessage, "Sorry?"), jump("menu")}},
			{ID: "bye", Name: "Bye", Elements: []chatbot.Element{el(chatbot.ElementClose, "Bye.")}},
		},
		Tests: []chatbot.Test{{Name: "hours", Turns: []chatbot.TestTurn{
			{Say: "hi", Expect: []string{greeting}},
			{Say: "hours?", Expect: []string{"9 to 5.", greeting}},
		}}},
	}
}

type world struct {
	t       *testing.T
	app     *testkit.App
	clk     *clock
	senders []store.Sender
	manager who.Actor
	rnd     *rand.Rand
}

func newWorld(t *testing.T, seed uint64) *world {
	t.Helper()
	app := testkit.New(t)
	clk := testkit.NewClock(time.Date(2026, 3, 28, 22, 0, 0, 0, time.UTC))
	app.SetClock(clk.Now)
	w := &world{t: t, app: app, clk: clk, manager: who.Actor{User: app.Users[rbac.Manager], IP: "192.0.2.1"}, rnd: rand.New(rand.NewPCG(seed, 7))}
	for _, addr := range []string{"shop", "desk"} {
		snd, err := app.Senders.Create(context.Background(), who.System(), "livechat", addr)
		if err != nil {
			t.Fatal(err)
		}
		w.senders = append(w.senders, snd)
		w.activate(w.newBot(snd.ID, "Hello from "+addr).ID, 0)
	}
	return w
}

func (w *world) newBot(sender int64, greeting string) store.Chatbot {
	w.t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("bot %d", w.rnd.Int64())
	c, err := w.app.Chatbots.Create(ctx, who.System(), chatbots.Settings{Name: name, Channel: "livechat", SenderID: sender})
	if err != nil {
		w.t.Fatal(err)
	}
	def := shop(greeting)
	if w.rnd.IntN(2) == 0 { // a later version renames and drops dialogs
		def.Dialogs[2].Name = "Opening hours"
		def.Dialogs[0].Elements[1].Branches = def.Dialogs[0].Elements[1].Branches[:2]
		def.Dialogs = def.Dialogs[:4]
	}
	c, err = w.app.Chatbots.Update(ctx, who.System(), c.ID, chatbots.Edit{Version: c.Version, Apply: chatbots.ReplaceDefinition(def)})
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

func (w *world) activate(id int64, grace time.Duration) {
	w.t.Helper()
	_, err := w.app.Lifecycle.Activate(context.Background(), w.manager, id, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(grace), EndCurrentGrace: true})
	w.allow(err)
}

// allow fails the test on anything but a lifecycle refusal: random steps
// may ask for what the current state does not allow.
func (w *world) allow(err error) {
	w.t.Helper()
	if err != nil && !problem.Is(err, problem.Conflict) && !problem.Is(err, problem.NotFound) {
		w.t.Fatal(err)
	}
}

var texts = []string{"hi", "order", "3", "three", "hours", "bye", "what?", "ORDER please", "42", "Bye!"}

// step does one random thing: mostly traffic, sometimes time passing,
// sweeps, sketches and lifecycle transitions.
func (w *world) step() {
	ctx := context.Background()
	app := w.app
	snd := w.senders[w.rnd.IntN(len(w.senders))]
	switch n := w.rnd.IntN(100); {
	case n < 70:
		_, err := app.Routing.Route(ctx, snd, fmt.Sprintf("user-%d", w.rnd.IntN(15)), texts[w.rnd.IntN(len(texts))])
		if err != nil && !problem.Is(err, problem.Conflict) {
			w.t.Fatal(err)
		}
	case n < 80:
		w.clk.Advance(time.Duration(w.rnd.IntN(40*60)) * time.Second)
	case n < 83:
		w.clk.Advance(time.Duration(1+w.rnd.IntN(30)) * time.Hour)
	case n < 87:
		if err := app.Sweep(ctx); err != nil {
			w.t.Fatal(err)
		}
	case n < 89:
		if err := app.Analytics.SketchEndUsers(ctx); err != nil {
			w.t.Fatal(err)
		}
	case n < 93: // redeploy a new chatbot, with or without a grace period
		w.activate(w.newBot(snd.ID, "Hi again").ID, time.Duration(w.rnd.IntN(3))*30*time.Minute)
	default:
		bots, _, err := app.Store.Chatbots(ctx, store.ChatbotFilter{SenderID: snd.ID, Limit: 100})
		if err != nil {
			w.t.Fatal(err)
		}
		b := bots[w.rnd.IntN(len(bots))]
		grace := time.Duration(w.rnd.IntN(2)) * 20 * time.Minute
		switch w.rnd.IntN(4) {
		case 0:
			_, err = app.Lifecycle.Deactivate(ctx, w.manager, b.ID, lifecycle.GraceOf(grace))
		case 1:
			_, err = app.Lifecycle.EndGrace(ctx, w.manager, b.ID)
		case 2:
			_, err = app.Lifecycle.Rollback(ctx, w.manager, b.ID, lifecycle.GraceOf(grace))
		default:
			w.activate(b.ID, grace)
		}
		w.allow(err)
	}
}

// TestRollupsEqualRecount drives random traffic and lifecycle events over
// several days, then checks that the rollups kept live equal a recount
// from the transcripts, and that both agree with plain counts of the
// sessions and messages.
func TestRollupsEqualRecount(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			w := newWorld(t, seed)
			for range 600 {
				w.step()
			}
			ctx := context.Background()
			w.clk.Advance(48 * time.Hour)
			if err := w.app.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			if err := w.app.Analytics.SketchEndUsers(ctx); err != nil {
				t.Fatal(err)
			}
			liveHours, liveDialogs, err := w.app.Store.AllRollups(ctx)
			if err != nil {
				t.Fatal(err)
			}
			liveUsers := estimates(t, w.app.Store)
			checkAgainstSessions(t, w.app.Store, liveHours)
			if err := w.app.Analytics.Rebuild(ctx); err != nil {
				t.Fatal(err)
			}
			hours, dialogs, err := w.app.Store.AllRollups(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(liveHours) < 10 || len(liveDialogs) < 10 {
				t.Fatalf("too little traffic to prove anything: %d hour rows, %d dialog rows", len(liveHours), len(liveDialogs))
			}
			if !reflect.DeepEqual(liveHours, hours) {
				a, b := diffRows(liveHours, hours)
				t.Errorf("hour rollups differ from the recount:\nlive    %+v\nrecount %+v", a, b)
			}
			if !reflect.DeepEqual(liveDialogs, dialogs) {
				t.Errorf("dialog rollups differ from the recount:\nlive    %+v\nrecount %+v", liveDialogs, dialogs)
			}
			if users := estimates(t, w.app.Store); !reflect.DeepEqual(liveUsers, users) {
				t.Errorf("end-user sketches differ from the recount:\nlive    %v\nrecount %v", liveUsers, users)
			}
		})
	}
}

// diffRows returns the first differing rows, to keep failures readable.
func diffRows(a, b []store.RollupRow) (any, any) {
	for i := range min(len(a), len(b)) {
		if !reflect.DeepEqual(a[i], b[i]) {
			return a[i], b[i]
		}
	}
	return len(a), len(b)
}

// estimates is each stored sketch's estimate, by chatbot, span and hour.
func estimates(t *testing.T, st *store.Store) map[string]uint64 {
	t.Helper()
	rows, err := st.AllEndUserSketches(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	for _, r := range rows {
		out[fmt.Sprintf("%d/%d/%d", r.ChatbotID, r.Span, r.Hour)] = estimate(t, r.Sketch)
	}
	return out
}

// checkAgainstSessions compares the totals of the all-chatbots rows with
// plain counts over the sessions and messages tables.
func checkAgainstSessions(t *testing.T, st *store.Store, rows []store.RollupRow) {
	t.Helper()
	var total store.Counts
	for _, r := range rows {
		if r.ChatbotID == 0 {
			total.Add(r.Counts)
		}
	}
	var opened, in, out, closed int64
	db := st.R
	for q, v := range map[string]*int64{
		`SELECT count(*) FROM chat_sessions`:                             &opened,
		`SELECT count(*) FROM messages WHERE direction = 'in'`:           &in,
		`SELECT count(*) FROM messages WHERE direction = 'out'`:          &out,
		`SELECT count(*) FROM chat_sessions WHERE closed_at IS NOT NULL`: &closed,
	} {
		if err := db.QueryRow(q).Scan(v); err != nil {
			t.Fatal(err)
		}
	}
	got := []int64{total.SessionsOpened, total.Inbound, total.Outbound, total.ClosedTotal()}
	want := []int64{opened, in, out, closed}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rollup totals (opened, in, out, closed) = %v, the tables count %v", got, want)
	}
	if total.FallbackHits == 0 || total.Closed[0] == 0 {
		t.Errorf("the traffic never fell back or completed a session: %+v", total)
	}
}

func estimate(t *testing.T, b []byte) uint64 {
	t.Helper()
	var sk hyperloglog.Sketch
	if err := sk.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	return sk.Estimate()
}
