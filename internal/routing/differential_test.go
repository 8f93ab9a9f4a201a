package routing_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/routing"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// TestSetBatchesRouteAsPerJob is the differential test of set-oriented
// batches: the same seeded random traffic — many end users on two
// senders, keywords, completed surveys, timeouts, a redeploy with grace,
// a deactivation with grace whose end leaves the sender without a
// chatbot, the sweeper, conversations handed over to people who take,
// answer, hand back and close them, handover timeouts — routed through the path before them (a
// savepoint per message) and through set-oriented batches, each on a
// fresh database, leaves the same answers, transcripts, sessions and
// rollups.
func TestSetBatchesRouteAsPerJob(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			perJob := runTraffic(t, seed, true)
			set := runTraffic(t, seed, false)
			if perJob.messages == 0 || perJob.refused == 0 || perJob.notices == 0 || perJob.reasons < 4 || perJob.held == 0 || perJob.people == 0 {
				t.Fatalf("the traffic routed %d messages, refused %d, told %d notices, closed for %d reasons, answered %d held messages, had people act %d times: too little to compare",
					perJob.messages, perJob.refused, perJob.notices, perJob.reasons, perJob.held, perJob.people)
			}
			for _, c := range []struct {
				what      string
				old, next any
			}{
				{"answers", perJob.answers, set.answers},
				{"sessions and transcripts", perJob.sessions, set.sessions},
				{"hour rollups", perJob.hours, set.hours},
				{"dialog rollups", perJob.dialogs, set.dialogs},
			} {
				if !reflect.DeepEqual(c.old, c.next) {
					a, _ := json.MarshalIndent(c.old, "", " ")
					b, _ := json.MarshalIndent(c.next, "", " ")
					t.Errorf("%s differ:\nper job: %s\nset:     %s", c.what, a, b)
				}
			}
		})
	}
}

// traffic is what a run of runTraffic left.
type traffic struct {
	// answers: each end user's answers in order ("refused: code" for a
	// refusal), session ids replaced by each end user's session number.
	answers  map[string][]string
	sessions map[string][]sessionView
	hours    []store.RollupRow
	dialogs  []store.DialogRollupRow
	// What the traffic exercised, so that the test knows it compared
	// something.
	messages, refused, notices, reasons int
	// held: messages to conversations people held; people: what people
	// did (takes, replies, hand-backs, closes).
	held, people int
}

type sessionView struct {
	ChatbotID, ReleaseID          int64
	State                         string
	Opened, Last, Expires, Closed time.Time
	Reason                        string
	Inbound, Outbound             int
	HeldBy, Queue                 string
	HeldSince                     time.Time
	HeldUser                      int64
	Transcript                    []string
}

// runTraffic routes seed's traffic on a fresh database, through the path
// before set-oriented batches if perJob.
func runTraffic(t *testing.T, seed uint64, perJob bool) traffic {
	t.Helper()
	ctx := context.Background()
	app := testkit.New(t)
	if perJob {
		routing.PerJob(app.Routing)
	}
	clk := testkit.NewClock(t0)
	app.SetClock(clk.Now)
	sys := who.System()
	var snds []store.Sender
	for _, address := range []string{"shop", "help"} {
		snd, err := app.Senders.Create(ctx, sys, "livechat", address)
		if err != nil {
			t.Fatal(err)
		}
		snds = append(snds, snd)
	}
	first := liveBot(t, app, "Survey", snds[0].ID, survey(), lifecycle.ActivateOptions{})
	help := liveBot(t, app, "Help", snds[1].ID, staffedDesk(), lifecycle.ActivateOptions{OverrideWarnings: true})
	successor := newBot(t, app, "Successor", snds[0].ID, staffedDesk())

	r := rand.New(rand.NewPCG(seed, 25))
	texts := []string{"hi", "hours", "opening hours", "prices", "what?", "Ada", "ada@example.com", "not an email", "Bob", "bob@example.com", "agent", "agent please"}
	const users, phases = 40, 24
	type message struct {
		user string
		snd  store.Sender
		text string
	}
	// The whole script is drawn before anything routes, so that both runs
	// route the same messages whatever their batches do.
	script := make([][]message, phases)
	for p := range script {
		for u := range users {
			if r.IntN(3) == 0 {
				continue
			}
			snd := snds[u%2]
			if r.IntN(8) == 0 {
				snd = snds[(u+1)%2]
			}
			for range 1 + r.IntN(2) {
				script[p] = append(script[p], message{fmt.Sprintf("user-%02d", u), snd, texts[r.IntN(len(texts))]})
			}
		}
	}
	steps := make([]time.Duration, phases)
	for p := range steps {
		steps[p] = time.Duration(r.IntN(5*60)) * time.Second
	}

	tr := traffic{answers: map[string][]string{}, sessions: map[string][]sessionView{}}
	ids := map[string]map[int64]int{} // end user → session id → their session number
	var mu sync.Mutex
	for p, msgs := range script {
		switch p {
		case 6: // a redeploy: the survey serves its sessions for 10 more minutes
			if _, err := app.Lifecycle.Activate(ctx, sys, successor.ID, lifecycle.ActivateOptions{OverrideWarnings: true, PreviousGrace: lifecycle.GraceOf(10 * time.Minute)}); err != nil {
				t.Fatal(err)
			}
		case 10: // the help desk stops, with 5 minutes of grace
			if _, err := app.Lifecycle.Deactivate(ctx, sys, help.ID, lifecycle.GraceOf(5*time.Minute)); err != nil {
				t.Fatal(err)
			}
		case 14: // everyone is away long enough to time out
			clk.Advance(20 * time.Minute)
		case 16:
			if _, err := app.Lifecycle.ExpireGraces(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := app.Routing.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := app.Handover.ApplyTimeouts(ctx); err != nil {
				t.Fatal(err)
			}
		case 18: // the help desk is back
			if _, err := app.Lifecycle.Activate(ctx, sys, help.ID, lifecycle.ActivateOptions{OverrideWarnings: true}); err != nil {
				t.Fatal(err)
			}
		}
		if p%4 == 3 {
			tr.people += peopleAct(t, app, r2(seed, p))
		}
		// Each end user's messages of a phase go in order; the end users
		// write at once, so that batches hold many of them.
		byUser := map[string][]message{}
		var order []string
		for _, m := range msgs {
			if byUser[m.user] == nil {
				order = append(order, m.user)
			}
			byUser[m.user] = append(byUser[m.user], m)
		}
		var wg sync.WaitGroup
		for _, u := range order {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, m := range byUser[u] {
					out, err := app.Routing.Route(ctx, m.snd, m.user, m.text)
					mu.Lock()
					key := m.snd.Address + "/" + m.user
					switch {
					case err != nil:
						code := err.Error()
						var pe *problem.Error
						if errors.As(err, &pe) {
							code = pe.Code
						}
						tr.answers[key] = append(tr.answers[key], "refused: "+code)
						tr.refused++
					default:
						if ids[key] == nil {
							ids[key] = map[int64]int{}
						}
						n, ok := ids[key][out.SessionID]
						if !ok {
							n = len(ids[key])
							ids[key][out.SessionID] = n
						}
						a := fmt.Sprintf("session %d of bot %d: %q closed=%v held_by=%q", n, out.ChatbotID, out.Replies, out.SessionClosed, out.HeldBy)
						if out.HeldBy != "" && len(out.Replies) == 0 {
							tr.held++
						}
						if out.PreviousSessionClosed != nil {
							a += " notice " + out.PreviousSessionClosed.Reason
							tr.notices++
						}
						tr.answers[key] = append(tr.answers[key], a)
						tr.messages++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		clk.Advance(steps[p])
	}

	reasons := map[string]bool{}
	type numbered struct {
		id int64
		v  sessionView
	}
	found := map[string][]numbered{}
	for _, bot := range []int64{first.ID, help.ID, successor.ID} {
		list, _, err := app.Store.ChatSessions(ctx, store.SessionFilter{ChatbotID: bot, Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range list {
			msgs, err := app.Store.Transcript(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			v := sessionView{ChatbotID: s.ChatbotID, ReleaseID: s.ReleaseID, State: string(s.State), Opened: s.OpenedAt, Last: s.LastActivityAt,
				Expires: s.ExpiresAt, Closed: s.ClosedAt, Reason: s.CloseReason, Inbound: s.Inbound, Outbound: s.Outbound,
				HeldBy: s.HeldBy, Queue: s.Queue, HeldSince: s.HeldSince, HeldUser: s.HeldUserID}
			for _, m := range msgs {
				v.Transcript = append(v.Transcript, fmt.Sprintf("%s %s %q entered=%v fallback=%d branch=%q author=%q",
					m.At.Format(time.RFC3339Nano), m.Who(), m.Text, m.Entered, m.FallbackHits, m.Branch, m.Author))
			}
			snd := "shop"
			if s.SenderID == snds[1].ID {
				snd = "help"
			}
			key := snd + "/" + s.EndUser
			found[key] = append(found[key], numbered{s.ID, v})
			reasons[s.CloseReason] = true
		}
	}
	for key, list := range found {
		// An end user's sessions in the order they opened.
		slices.SortFunc(list, func(a, b numbered) int { return cmp.Compare(a.id, b.id) })
		for _, n := range list {
			tr.sessions[key] = append(tr.sessions[key], n.v)
		}
	}
	tr.reasons = len(reasons)
	var err error
	if tr.hours, tr.dialogs, err = app.Store.AllRollups(ctx); err != nil {
		t.Fatal(err)
	}
	return tr
}

// staffedDesk is helpDesk where "agent" hands the conversation to people.
func staffedDesk() *chatbot.Definition {
	d := helpDesk()
	d.Dialogs[0].Elements[1].Branches = append(d.Dialogs[0].Elements[1].Branches, chatbot.Branch{Keywords: []string{"agent"}, Dialog: "human"})
	d.Dialogs = append(d.Dialogs, chatbot.Dialog{ID: "human", Name: "Human", Elements: []chatbot.Element{
		{Type: chatbot.ElementHandover, Text: "A person will answer.", Queue: "desk"},
	}})
	return d
}

// r2 is the random source of people's actions at phase p of seed's
// traffic: the same in both runs, whatever the batches did.
func r2(seed uint64, p int) *rand.Rand { return rand.New(rand.NewPCG(seed, uint64(1000+p))) }

// peopleAct has people work the held conversations, in the order of their
// sender and end user (the same in both runs): take and answer, hand back
// at the entry, close, or leave one waiting. It returns how many things
// they did.
func peopleAct(t *testing.T, app *testkit.App, r *rand.Rand) int {
	t.Helper()
	ctx := context.Background()
	list, err := app.Store.HeldSessions(ctx, store.HeldFilter{})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(list, func(a, b store.HeldSession) int {
		return cmp.Or(cmp.Compare(a.SenderID, b.SenderID), cmp.Compare(a.EndUser, b.EndUser))
	})
	person := who.Actor{User: app.Users[rbac.Supervisor], IP: "192.0.2.9"}
	did := 0
	for _, h := range list {
		var err error
		switch r.IntN(4) {
		case 0:
			if h.HeldBy == store.HeldByWaiting {
				_, err = app.Handover.Take(ctx, person, h.ID)
			}
			if err == nil {
				_, err = app.Handover.Reply(ctx, person, h.ID, "A person here.")
			}
		case 1:
			_, err = app.Handover.Resume(ctx, person, h.ID, "")
		case 2:
			_, err = app.Handover.Close(ctx, person, h.ID)
		default:
			continue
		}
		if err != nil {
			t.Fatalf("people on session %d: %v", h.ID, err)
		}
		did++
	}
	return did
}
