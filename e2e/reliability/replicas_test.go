package reliability

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/bench"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testdb"
)

// TestReplicas runs three `answers serve` replicas on one PostgreSQL
// database (SPEC §9), checks that a console session and sign-in throttling
// are shared by all of them, spreads inbound traffic and lifecycle
// transitions over all of them, and kills the replica that leads the grace scheduler
// with SIGKILL while a grace period runs. Then every acknowledged message
// is stored, every acknowledged transition applied once, I1–I6 hold, the
// grace ended within 2 s of the later of its deadline and the leader's
// death, the audit chain verifies and the rollups equal a recount.
func TestReplicas(t *testing.T) {
	server := testdb.PostgresURL()
	if server == "" {
		t.Skip("needs PostgreSQL: runs in make test's PostgreSQL pass (" + testdb.EnvPostgres + ")")
	}
	rounds := 2
	if long() {
		rounds = setting("SOAK_ROUNDS", 30) / 3
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rig := newCrashRig(t, seed) // one replica, which sets the data up
	r := &replicaRig{crashRig: rig, procs: []*proc{rig.p}, logs: []string{rig.logPath}}
	for i := 1; i < 3; i++ {
		r.add(i)
	}
	r.checkShared()
	for round := range rounds {
		r.round(round)
	}
	for _, p := range r.live() {
		p.stop(t)
	}
	db := openDB(t, r.db)
	f := verify(t, db, r.l, 3*time.Second)
	r.auditVerify()
	for _, l := range r.logs {
		checkLog(t, l)
	}
	r.checkRollups()
	t.Logf("%d leader kills survived; %s; grace ends after a leader's death: %v", rounds, f, r.takeovers)
	if f.acked == 0 || f.ackedMoves == 0 {
		t.Errorf("the test did too little to prove anything: %s", f)
	}
}

// replicaRig is a crashRig with several servers on one database.
type replicaRig struct {
	*crashRig
	mu    sync.Mutex
	procs []*proc // nil where a replica was killed and not replaced
	logs  []string
	next  atomic.Uint64
	// takeovers are, per round, how long after the later of the grace
	// deadline and the leader's death the grace was ended.
	takeovers []time.Duration
}

// add starts replica i with a log of its own.
func (r *replicaRig) add(i int) {
	logPath := filepath.Join(r.t.TempDir(), fmt.Sprintf("replica-%d.log", i))
	p := serve(r.t, r.bin, r.db, logPath)
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.procs) <= i {
		r.procs, r.logs = append(r.procs, nil), append(r.logs, "")
	}
	r.procs[i], r.logs[i] = p, logPath
}

func (r *replicaRig) live() []*proc {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*proc
	for _, p := range r.procs {
		if p != nil {
			out = append(out, p)
		}
	}
	return out
}

// pick is the replica the next request goes to: round robin, as a load
// balancer would.
func (r *replicaRig) pick() *client {
	live := r.live()
	return newClient(live[int(r.next.Add(1))%len(live)].url)
}

// leader waits until exactly one replica's log says it leads, and returns
// its index.
func (r *replicaRig) leader() int {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		r.mu.Lock()
		found := -1
		for i, p := range r.procs {
			if p == nil {
				continue
			}
			b, _ := os.ReadFile(r.logs[i])
			if n := bytes.Count(b, []byte("this replica is the leader")) - bytes.Count(b, []byte("no longer the leader")); n > 0 {
				found = i
			}
		}
		r.mu.Unlock()
		if found >= 0 {
			return found
		}
	}
	r.t.Fatal("no replica says it leads the grace scheduler")
	return -1
}

// round: traffic on every replica, a one-second grace armed, the leader
// killed while it runs, a new replica started in its place.
func (r *replicaRig) round(n int) {
	t := r.t
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(r.seed, uint64(n*100+w)))
			for i := 0; ctx.Err() == nil; i++ {
				s := r.traffic[rnd.IntN(len(r.traffic))]
				text := fmt.Sprintf("replica round %d worker %d message %d", n, w, i)
				a, err := r.pick().call(ctx, "POST", "/api/v1/messages", "key:"+s.Key,
					map[string]any{"channel": "livechat", "sender": s.Address, "from": fmt.Sprintf("user-%d", rnd.IntN(12)), "text": text})
				r.l.message(text, a, err)
			}
		}()
	}
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(r.seed, uint64(n*100+50+w)))
			for ctx.Err() == nil {
				id, op, body := randomMove(rnd, r.bots)
				a, err := r.pick().call(ctx, "POST", fmt.Sprintf("/api/v1/chatbots/%d/%s", id, op), r.token, body)
				r.l.transition(id, op, a, err) // even unanswered: it may have been applied
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	r.c = r.pick()
	armed := time.Now()
	graceEnds, sessions := r.arm(n)
	lead := r.leader()
	time.Sleep(time.Duration(r.rnd.Int64N(int64(700 * time.Millisecond))))
	r.l.dying.Store(true)
	r.mu.Lock()
	victim := r.procs[lead]
	r.procs[lead] = nil
	r.mu.Unlock()
	dead := victim.kill(t)
	time.Sleep(100 * time.Millisecond) // requests in flight to it fail
	r.l.dying.Store(false)

	db := openDB(t, r.db)
	due := graceEnds
	if dead.After(due) {
		due = dead
	}
	at := r.graceEndedAt(db, armed, sessions)
	r.takeovers = append(r.takeovers, at.Sub(due).Round(time.Millisecond))
	if late := at.Sub(due); late > 2*time.Second {
		t.Errorf("round %d: the grace ended %s after the later of its deadline and the leader's death, want ≤ 2 s", n, late)
	}
	// The clients stop: a request cut off now has no answer, like one to
	// a killed replica, and may or may not have been applied.
	r.l.dying.Store(true)
	cancel()
	wg.Wait()
	r.l.dying.Store(false)
	r.add(lead) // a new replica in the dead one's place
	r.pair[0], r.pair[1] = r.pair[1], r.pair[0]
	f := verify(t, db, r.l, 3*time.Second)
	t.Logf("round %d: leader %d killed %s after the grace was armed; %s", n, lead, dead.Sub(graceEnds.Add(-time.Second)).Round(time.Millisecond), f)
	if t.Failed() {
		t.FailNow()
	}
}

// graceEndedAt waits for the system to end the armed grace and returns
// when it did (the audit entry's time); the sessions closed with it.
func (r *replicaRig) graceEndedAt(db *sql.DB, armed time.Time, sessions []int64) time.Time {
	t, ctx, id := r.t, context.Background(), r.pair[0]
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var at string
		err := db.QueryRowContext(ctx, `SELECT at FROM audit_log WHERE action = 'chatbot.grace_ended' AND target_type = 'chatbot'
			AND target_id = ? AND actor_name = 'system' AND at > ? ORDER BY id DESC LIMIT 1`, fmt.Sprint(id), armed.UTC().Format(store.TimeFormat)).Scan(&at)
		if err == nil {
			r.wantGraceEndedSessions(db, sessions)
			when, _ := time.Parse(store.TimeFormat, at)
			return when
		}
		if err != sql.ErrNoRows {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("chatbot %d's grace was not ended by the system 10 s after the leader died", id)
		}
	}
}

// checkShared signs in through one replica and reads pages through the
// others (sessions live in the database, no sticky sessions needed), opens
// the web chat on each, and spreads five wrong passwords for one account
// over the replicas: the sixth attempt, on any replica, is slowed down as
// if all had gone to one.
func (r *replicaRig) checkShared() {
	t, ctx := r.t, context.Background()
	live := r.live()
	const email, password = "console@replicas.test", "the right password for replicas"
	addUserWithPassword(t, r.db, email, "manager", password)
	addUserWithPassword(t, r.db, "target@replicas.test", "analyzer", "another right password")
	c, err := bench.SignIn(ctx, live[0].url, email, password, 2)
	if err != nil {
		t.Fatalf("sign in through replica 0: %v", err)
	}
	for i, p := range live {
		c.Base = p.url
		for _, path := range []string{"/chatbots", "/senders", fmt.Sprintf("/chatbots/%d", r.bots[0])} {
			if status, _, err := c.Get(ctx, path); err != nil || status != http.StatusOK {
				t.Errorf("replica %d: GET %s with the session of replica 0: %d %v, want 200", i, path, status, err)
			}
		}
		if res, err := http.Get(p.url + "/chat/" + r.traffic[0].Address); err != nil || res.StatusCode != http.StatusOK {
			t.Errorf("replica %d: the web chat: %v %v", i, res, err)
		} else {
			res.Body.Close()
		}
	}
	status := func(p *proc) int {
		t.Helper()
		jar, _ := cookiejar.New(nil)
		hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := hc.Get(p.url + "/login")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(page)
		if m == nil {
			t.Fatalf("no CSRF token on the sign-in page")
		}
		form := url.Values{"email": {"target@replicas.test"}, "password": {"a wrong guess"}, "_csrf": {string(m[1])}}
		res, err = hc.PostForm(p.url+"/login", form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for i := range 5 {
		if s := status(live[i%len(live)]); s != http.StatusUnauthorized {
			t.Errorf("wrong password %d on replica %d: %d, want 401", i+1, i%len(live), s)
		}
	}
	if s := status(live[len(live)-1]); s != http.StatusTooManyRequests {
		t.Errorf("a sixth wrong password after five spread over the replicas: %d, want 429", s)
	}
}
