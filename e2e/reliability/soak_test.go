package reliability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/web/webtest"
)

// soak is a console in process, served over real HTTP, and its clients.
type soak struct {
	c       *client
	l       *ledger
	tokens  map[rbac.Role]string
	senders []sender
	live    []int64 // chatbots managers move
	all     []int64 // every chatbot, for designers and readers
}

// TestSoak runs every kind of client at once against one server for a
// while: managers activating, deactivating, rolling back and ending or
// extending graces; designers saving edits from versions that others may
// have changed; end users messaging; an admin paging through the audit log;
// a supervisor reading. No answer may be a 5xx, a stale save must be
// refused, and afterwards the invariants and the audit chain hold.
func TestSoak(t *testing.T) {
	d := 2 * time.Second
	if long() {
		d = time.Duration(setting("SOAK_SECONDS", 120)) * time.Second
	}
	app := webtest.New(t)
	srv := httptest.NewServer(app.Server)
	defer srv.Close()
	ctx, stopSweeper := context.WithCancel(context.Background())
	var sweeper sync.WaitGroup
	sweeper.Add(1)
	go func() { defer sweeper.Done(); app.RunSweeper(ctx) }()

	s := &soak{c: newClient(srv.URL), tokens: map[rbac.Role]string{}}
	for _, r := range []rbac.Role{rbac.Manager, rbac.Designer, rbac.Admin, rbac.Supervisor} {
		tok, _, err := app.Accounts.CreateToken(ctx, who.System(), app.Users[r].ID, accounts.NewToken{Name: "soak"})
		if err != nil {
			t.Fatal(err)
		}
		s.tokens[r] = tok
	}
	s.l = newLedger(testkit.Email(rbac.Manager), testkit.Email(rbac.Designer))
	s.l.exact = true
	s.setup(t)

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, %s", seed, d)
	// The soak runs for d, and on past it (up to 10 × d) until it has
	// done enough to prove something: on a slow machine or engine the
	// random mix may not have reached a stale save by then.
	run, stop := context.WithTimeout(ctx, 10*d)
	defer stop()
	go func() {
		time.Sleep(d)
		for run.Err() == nil && !s.enough() {
			time.Sleep(50 * time.Millisecond)
		}
		stop()
	}()
	var wg sync.WaitGroup
	clients := []func(context.Context, *rand.Rand){s.manage, s.manage, s.manage, s.design, s.design, s.design, s.message, s.message, s.message, s.message, s.auditor, s.reader}
	for i, client := range clients {
		wg.Add(1)
		go func() { defer wg.Done(); client(run, rand.New(rand.NewPCG(seed, uint64(i)))) }()
	}
	wg.Wait()
	stopSweeper()
	sweeper.Wait()

	f := verify(t, app.Store.R, s.l, 3*time.Second)
	if n, err := app.Store.VerifyAudit(context.Background()); err != nil {
		t.Errorf("audit chain broken after %d entries: %v", n, err)
	}
	checkRollups(t, func() *store.Store { return app.Store }, func() error { return app.Analytics.Rebuild(context.Background()) })
	t.Logf("%s in %s", f, d)
	t.Logf("outcomes: %v", s.l.outcomes)
	if f.acked == 0 || f.ackedMoves == 0 || f.edits == 0 || f.staleRefused == 0 || f.operations == 0 {
		t.Errorf("the soak did too little to prove anything: %s, outcomes %v", f, s.l.outcomes)
	}
}

// setup makes two senders with three chatbots each, one of them active,
// and three drafts that are only edited.
func (s *soak) setup(t *testing.T) {
	ctx, tok := context.Background(), s.tokens[rbac.Manager]
	for i := range 2 {
		snd, err := createSender(ctx, s.c, tok, fmt.Sprintf("soak-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		s.senders = append(s.senders, snd)
		for j := range 3 {
			bot, err := importBot(ctx, s.c, tok, fmt.Sprintf("Soak %d.%d", i, j), snd.ID)
			if err != nil {
				t.Fatal(err)
			}
			s.live, s.all = append(s.live, bot.ID), append(s.all, bot.ID)
			if j == 0 {
				a, err := s.c.call(ctx, "POST", fmt.Sprintf("/api/v1/chatbots/%d/activate", bot.ID), tok, map[string]any{})
				s.l.transition(bot.ID, "activate", a, err)
			}
		}
		bot, err := importBot(ctx, s.c, tok, fmt.Sprintf("Draft %d", i), snd.ID)
		if err != nil {
			t.Fatal(err)
		}
		s.all = append(s.all, bot.ID)
	}
}

// Clients stop between requests, never in the middle of one, so that the
// ledger knows the outcome of every request it counts.

func (s *soak) manage(ctx context.Context, rnd *rand.Rand) {
	for ctx.Err() == nil {
		id, op, body := randomMove(rnd, s.live)
		a, err := s.c.call(context.Background(), "POST", fmt.Sprintf("/api/v1/chatbots/%d/%s", id, op), s.tokens[rbac.Manager], body)
		s.l.transition(id, op, a, err)
	}
}

func (s *soak) message(ctx context.Context, rnd *rand.Rand) {
	for i := 0; ctx.Err() == nil; i++ {
		snd := s.senders[rnd.IntN(len(s.senders))]
		text := fmt.Sprintf("soak %d %d", rnd.Uint64(), i)
		a, err := s.c.call(context.Background(), "POST", "/api/v1/messages", "key:"+snd.Key,
			map[string]any{"channel": "livechat", "sender": snd.Address, "from": fmt.Sprintf("user-%d", rnd.IntN(20)), "text": text})
		s.l.message(text, a, err)
	}
}

// enough reports whether the soak has done what its checks need: an
// acknowledged message, transition and save, and a stale save refused.
func (s *soak) enough() bool {
	s.l.mu.Lock()
	defer s.l.mu.Unlock()
	moves := 0
	for _, t := range s.l.moves {
		moves += t.acked
	}
	return len(s.l.acked) > 0 && moves > 0 && len(s.l.edits) > 0 && s.l.outcomes[staleRefused] > 0
}
