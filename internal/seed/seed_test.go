package seed_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/app"
	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/seed"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

var now = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

func open(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "seed.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func options() seed.Options {
	return seed.Options{Chatbots: 40, Sessions: 1500, Audit: 1500, MessagesPerSession: 6, GraceSessions: 100,
		Now: now, Seed: 7}
}

func run(t *testing.T, st *store.Store, o seed.Options) seed.Summary {
	t.Helper()
	sum, err := seed.Run(context.Background(), st, o)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// TestSeed checks a small seed: the counts asked for, every status, the
// invariants, the audit chain, a WAL database.
func TestSeed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := open(t)
	o := options()
	sum := run(t, st, o)

	bad, err := st.Violations(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Error(b)
	}
	n, err := st.VerifyAudit(ctx)
	if err != nil || n != int64(o.Audit) {
		t.Errorf("audit verify: %d entries, %v; want %d intact", n, err, o.Audit)
	}
	rows, err := st.CountRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"chatbots": o.Chatbots, "chat_sessions": o.Sessions, "audit_log": o.Audit,
		"messages": sum.Messages, "users": sum.Users, "senders": sum.Senders, "releases": sum.Releases}
	for table, n := range want {
		if rows[table] != n {
			t.Errorf("%s: %d rows, want %d", table, rows[table], n)
		}
	}
	if sum.Messages == 0 || sum.Messages > o.Sessions*o.MessagesPerSession {
		t.Errorf("%d messages for %d sessions of at most %d", sum.Messages, o.Sessions, o.MessagesPerSession)
	}
	for _, status := range []string{store.StatusActive, store.StatusDeactivated, store.StatusInactive, "draft"} {
		_, n, err := st.Chatbots(ctx, store.ChatbotFilter{Status: status, Limit: 1})
		want := sum.ByStatus[status]
		if status == store.StatusInactive {
			want += sum.ByStatus["draft"] // drafts are inactive too
		}
		if err != nil || sum.ByStatus[status] == 0 || n != want {
			t.Errorf("%s chatbots: %d (%v), summary says %d", status, n, err, want)
		}
	}
	open, err := st.CountOpenSessions(ctx, sum.GraceChatbotID)
	if err != nil || open != o.GraceSessions {
		t.Errorf("grace chatbot has %d open sessions (%v), want %d", open, err, o.GraceSessions)
	}
	all, err := st.CountAllOpenSessions(ctx)
	if err != nil || all != sum.OpenSessions {
		t.Errorf("%d open sessions (%v), summary says %d", all, err, sum.OpenSessions)
	}
	if m, err := st.JournalMode(ctx); err != nil || m != "wal" {
		t.Errorf("journal mode %q (%v), want wal", m, err)
	}

	// The rollups were rebuilt from what the seed wrote.
	hours, err := st.RollupHours(ctx, store.RollupRange{From: 0, To: store.Hour(now) + 1})
	if err != nil {
		t.Fatal(err)
	}
	var total store.Counts
	for _, h := range hours {
		total.Add(h.Counts)
	}
	if total.SessionsOpened != int64(o.Sessions) || total.Inbound+total.Outbound != int64(sum.Messages) ||
		total.ClosedTotal() != int64(o.Sessions-sum.OpenSessions) || total.FallbackHits == 0 {
		t.Errorf("rollups: %+v; want %d sessions, %d messages, %d closed, some fallbacks", total, o.Sessions, sum.Messages, o.Sessions-sum.OpenSessions)
	}
}

// TestSeedIsLive drives the seeded console: a message continues an open
// session of the chatbot in grace, ending that grace closes its sessions,
// and a sender with an active chatbot answers a new end user.
func TestSeedIsLive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := open(t)
	o := options()
	o.Now = time.Now()
	sum := run(t, st, o)
	a := app.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)))

	sessions, _, err := st.ChatSessions(ctx, store.SessionFilter{ChatbotID: sum.GraceChatbotID, Limit: 1})
	if err != nil || len(sessions) != 1 {
		t.Fatalf("grace sessions: %v %v", sessions, err)
	}
	s := sessions[0]
	snd, err := st.SenderByID(ctx, s.SenderID)
	if err != nil {
		t.Fatal(err)
	}
	out, err := a.Routing.Route(ctx, snd, s.EndUser, "hello again")
	if err != nil || out.SessionID != s.ID || len(out.Replies) == 0 {
		t.Errorf("route to an open grace session: %+v, %v", out, err)
	}
	if _, err := a.Routing.Route(ctx, snd, "+15550009999", "hi"); err != nil {
		t.Errorf("route a new end user: %v", err)
	}

	users, err := st.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var manager store.User
	for _, u := range users {
		if u.Role == rbac.Manager {
			manager = u
		}
	}
	bot, err := a.Lifecycle.EndGrace(ctx, who.Actor{User: manager, IP: "192.0.2.1"}, sum.GraceChatbotID)
	if err != nil || bot.Status != store.StatusInactive {
		t.Fatalf("end grace: %v, %v", bot.Status, err)
	}
	if n, _ := st.CountOpenSessions(ctx, sum.GraceChatbotID); n != 0 {
		t.Errorf("%d sessions still open after the grace ended", n)
	}
	if n, err := st.VerifyAudit(ctx); err != nil || n != int64(o.Audit)+1 {
		t.Errorf("audit verify after a grace end: %d, %v", n, err)
	}
}

// TestSeedRefusesData: a second seed of the same database is refused and
// changes nothing.
func TestSeedRefusesData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := open(t)
	o := options()
	o.Chatbots, o.Sessions, o.GraceSessions, o.Audit = 5, 10, 0, 10
	run(t, st, o)
	if _, err := seed.Run(ctx, st, o); !errors.Is(err, store.ErrNotEmpty) {
		t.Fatalf("second seed: %v, want ErrNotEmpty", err)
	}
	if n, _ := st.CountChatbots(ctx); n != 5 {
		t.Errorf("%d chatbots after a refused seed, want 5", n)
	}
}

// TestSeedAfterUsers: users and audit entries already there stay; the
// seed numbers its users after them and continues the chain.
func TestSeedAfterUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := open(t)
	acc := accounts.New(st)
	acc.Hasher = auth.Hasher{Cost: 4}
	if _, _, err := acc.AddUser(ctx, who.System(), accounts.NewUserInput{Email: "admin@example.com", Name: "Admin", Role: "admin", Password: "a-long-password"}); err != nil {
		t.Fatal(err)
	}
	o := options()
	o.Chatbots, o.Sessions, o.GraceSessions, o.Audit, o.Now = 8, 200, 0, 100, time.Now()
	run(t, st, o)
	if n, err := st.VerifyAudit(ctx); err != nil || n != 101 {
		t.Errorf("audit verify: %d, %v; want 101 intact", n, err)
	}
	if u, err := st.UserByEmail(ctx, "admin@example.com"); err != nil || u.ID != 1 {
		t.Errorf("the first admin: %+v, %v", u, err)
	}
	bad, err := st.Violations(ctx, time.Now())
	if err != nil || len(bad) > 0 {
		t.Errorf("violations: %v %v", bad, err)
	}
}

// TestSeedSmallCounts: tiny and empty seeds work and keep the counts.
func TestSeedSmallCounts(t *testing.T) {
	t.Parallel()
	for _, o := range []seed.Options{
		{},
		{Chatbots: 1, Sessions: 10, Audit: 1},
		{Chatbots: 3, Sessions: 30, Audit: 5, MessagesPerSession: 1},
		{Chatbots: 3, Sessions: 5, Audit: 0, GraceSessions: 5},
		{Chatbots: 4, Sessions: 50, Audit: 500, MessagesPerSession: 0},
	} {
		st := open(t)
		o.Now = now
		sum := run(t, st, o)
		rows, err := st.CountRows(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if rows["chatbots"] != o.Chatbots || rows["chat_sessions"] != o.Sessions || rows["audit_log"] != o.Audit || rows["messages"] != sum.Messages {
			t.Errorf("%+v: rows %v, summary %+v", o, rows, sum)
		}
		if bad, err := st.Violations(context.Background(), now); err != nil || len(bad) > 0 {
			t.Errorf("%+v: violations %v %v", o, bad, err)
		}
	}
}

func TestOptionsCheck(t *testing.T) {
	t.Parallel()
	for _, o := range []seed.Options{
		{Chatbots: -1},
		{Sessions: 10, GraceSessions: 11, Chatbots: 10},
		{Sessions: 10, GraceSessions: 10, Chatbots: 2},
		{Sessions: 10},
	} {
		if o.Check() == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

// TestSeedReproducible: the same options give the same data.
func TestSeedReproducible(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := options()
	o.Chatbots, o.Sessions, o.Audit, o.GraceSessions = 20, 300, 300, 10
	a, b := open(t), open(t)
	run(t, a, o)
	run(t, b, o)
	pa, err := a.FilterAudit(ctx, store.AuditFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	pb, err := b.FilterAudit(ctx, store.AuditFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if pa.Entries[0].Hash != pb.Entries[0].Hash {
		t.Errorf("the audit heads differ: %s and %s", pa.Entries[0].Hash, pb.Entries[0].Hash)
	}
}

// TestSeedInvariantsAcrossSeeds: the invariants hold whatever the dice
// say, with many chatbots of every status.
func TestSeedInvariantsAcrossSeeds(t *testing.T) {
	t.Parallel()
	for s := uint64(1); s <= 2; s++ {
		st := open(t)
		o := seed.Options{Chatbots: 300, Sessions: 1500, Audit: 300, MessagesPerSession: 3, GraceSessions: 50, Now: now, Seed: s}
		run(t, st, o)
		if bad, err := st.Violations(context.Background(), now); err != nil || len(bad) > 0 {
			t.Errorf("seed %d: %v %v", s, bad, err)
		}
	}
}
