package reliability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/testdb"
)

// crashRig is the real binary on one database file, the data the
// clients use, and what they were told.
type crashRig struct {
	t       *testing.T
	bin, db string
	logPath string
	token   string
	p       *proc
	c       *client
	l       *ledger
	traffic []sender // senders with random lifecycle actions
	bots    []int64  // their chatbots
	grace   sender   // the sender whose grace runs out while the server is down
	pair    [2]int64 // its two chatbots; pair[0] is active
	// startupGrace is, per round, how long after the restart the grace
	// that ran out while the server was down was ended.
	startupGrace []time.Duration
	restarted    time.Time // when the last restart began
	startupKills int       // kills during start-up
	rnd          *rand.Rand
	seed         uint64 // the clients' random choices derive from it
	// hooks receives the chatbot.* webhook events (webhooks_test.go).
	hooks *hookReceiver
}

// TestCrashSafety runs `answers serve` under message traffic and lifecycle
// actions, kills it with SIGKILL at random moments, restarts it, and checks
// that every acknowledged message is in the transcript, no transition is
// half-applied, the invariants hold, grace periods that ran out while it
// was down are ended at start-up, and the audit chain verifies.
func TestCrashSafety(t *testing.T) {
	rounds := 3
	if long() {
		rounds = setting("SOAK_ROUNDS", 30)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := newCrashRig(t, seed)
	for round := range rounds {
		r.round(round)
	}
	f := verify(t, openDB(t, r.db), r.l, 3*time.Second)
	hooks := r.hooks.waitForAll(t, openDB(t, r.db))
	r.p.stop(t)
	r.auditVerify()
	checkLog(t, r.logPath)
	r.checkRollups()
	t.Logf("%d rounds of kill -9 survived (and %d kills during start-up); %s; %d graces ran out while the server was down, each ended at most %s after the restart",
		rounds, r.startupKills, f, len(r.startupGrace), slices.Max(r.startupGrace).Round(time.Millisecond))
	t.Logf("outcomes: %v", r.l.outcomes)
	t.Logf("webhooks: every one of the %d chatbot.* audit entries arrived signed (%d requests in all, redeliveries after kills included)", hooks, r.hooks.requests())
	if f.acked == 0 || f.ackedMoves == 0 {
		t.Errorf("the test did too little to prove anything: %s", f)
	}
}

func newCrashRig(t *testing.T, seed uint64) *crashRig {
	dir := t.TempDir()
	r := &crashRig{t: t, bin: buildAnswers(t), db: testdb.DSN(t), logPath: filepath.Join(dir, "serve.log"),
		rnd: rand.New(rand.NewPCG(seed, 1)), seed: seed}
	const manager = "manager@crash.test"
	addUser(t, r.db, manager, "manager")
	r.token = token(t, r.bin, r.db, manager)
	r.l = newLedger(manager, "")
	r.hooks = newHookReceiver(t, r.db)
	r.start()
	ctx := context.Background()
	// Two senders with three chatbots each for random transitions, and
	// one with two for the grace armed in each round.
	for i, n := range []int{3, 3, 2} {
		s, err := createSender(ctx, r.c, r.token, fmt.Sprintf("crash-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for j := range n {
			bot, err := importBot(ctx, r.c, r.token, fmt.Sprintf("Bot %d.%d", i, j), s.ID)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, bot.ID)
		}
		a, err := r.c.call(ctx, "POST", fmt.Sprintf("/api/v1/chatbots/%d/activate", ids[0]), r.token, map[string]any{})
		r.l.transition(ids[0], "activate", a, err)
		if i < 2 {
			r.traffic, r.bots = append(r.traffic, s), append(r.bots, ids...)
		} else {
			r.grace, r.pair = s, [2]int64{ids[0], ids[1]}
		}
	}
	return r
}

// start starts the server and points the client at it.
func (r *crashRig) start() {
	r.p = serve(r.t, r.bin, r.db, r.logPath, hookFlags...)
	r.c = newClient(r.p.url)
}

// round runs traffic, arms a grace period of a second, kills the server at
// a random moment, restarts it and checks everything.
func (r *crashRig) round(n int) {
	t := r.t
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); r.messages(ctx, rand.New(rand.NewPCG(r.seed, uint64(n*100+w))), n, w) }()
	}
	for w := range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); r.manage(ctx, rand.New(rand.NewPCG(r.seed, uint64(n*100+50+w)))) }()
	}
	maxRun := 800 * time.Millisecond
	if long() {
		maxRun = 3 * time.Second
	}
	time.Sleep(100*time.Millisecond + time.Duration(r.rnd.Int64N(int64(maxRun))))
	graceEnds, sessions := r.arm(n)
	time.Sleep(time.Duration(r.rnd.Int64N(int64(600 * time.Millisecond))))
	r.l.dying.Store(true)
	dead := r.p.kill(t)
	cancel()
	wg.Wait()
	r.l.dying.Store(false)

	pending := graceEnds.After(dead)
	if pending {
		time.Sleep(time.Until(graceEnds) + 50*time.Millisecond)
	}
	r.restarted = time.Now()
	if r.rnd.IntN(3) == 0 {
		// Now and then a crash during start-up too: migrations, analytics
		// preparation, the first sweep ending the grace.
		p := spawn(t, r.bin, r.db, r.logPath, hookFlags...)
		time.Sleep(time.Duration(r.rnd.Int64N(int64(60 * time.Millisecond))))
		p.kill(t)
		r.startupKills++
	}
	r.start()
	db := openDB(t, r.db)
	if pending {
		r.wantGraceEnded(db, dead, sessions)
	}
	r.pair[0], r.pair[1] = r.pair[1], r.pair[0]
	r.waitGraces(db)
	f := verify(t, db, r.l, 3*time.Second)
	r.auditVerify()
	t.Logf("round %d: killed %s after the grace was armed (pending: %v); %s", n, dead.Sub(graceEnds.Add(-time.Second)).Round(time.Millisecond), pending, f)
	if t.Failed() {
		t.FailNow()
	}
}

// messages posts inbound messages from a dozen end users per sender.
func (r *crashRig) messages(ctx context.Context, rnd *rand.Rand, round, w int) {
	for i := 0; ctx.Err() == nil; i++ {
		s := r.traffic[rnd.IntN(len(r.traffic))]
		text := fmt.Sprintf("round %d worker %d message %d", round, w, i)
		a, err := r.post(ctx, s, fmt.Sprintf("user-%d", rnd.IntN(12)), text)
		r.l.message(text, a, err)
		if err != nil && r.l.dying.Load() {
			return // the server is gone; don't knock on its door
		}
	}
}

func (r *crashRig) post(ctx context.Context, s sender, from, text string) (answer, error) {
	return r.c.call(ctx, "POST", "/api/v1/messages", "key:"+s.Key,
		map[string]any{"channel": "livechat", "sender": s.Address, "from": from, "text": text})
}

// manage asks for random lifecycle transitions on the traffic senders.
func (r *crashRig) manage(ctx context.Context, rnd *rand.Rand) {
	for ctx.Err() == nil {
		id, op, body := randomMove(rnd, r.bots)
		a, err := r.c.call(ctx, "POST", fmt.Sprintf("/api/v1/chatbots/%d/%s", id, op), r.token, body)
		r.l.transition(id, op, a, err)
		if err != nil && r.l.dying.Load() {
			return
		}
	}
}

// randomMove picks a lifecycle operation on one of ids, with its body.
func randomMove(rnd *rand.Rand, ids []int64) (int64, string, any) {
	graces := []int{0, 0, 1, 2, 5, 60}
	g := graces[rnd.IntN(len(graces))]
	id := ids[rnd.IntN(len(ids))]
	switch op := []string{"activate", "activate", "deactivate", "end-grace", "extend-grace", "rollback"}[rnd.IntN(6)]; op {
	case "activate":
		return id, op, map[string]any{"previous_grace_seconds": g, "end_current_grace": rnd.IntN(2) == 0}
	case "end-grace":
		return id, op, nil
	case "extend-grace":
		return id, op, map[string]any{"grace_seconds": max(g, 1)}
	default:
		return id, op, map[string]any{"grace_seconds": g}
	}
}
