package reliability

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/answers-console/answers/internal/store"
)

// arm opens two sessions on the grace sender's active chatbot, then
// redeploys the other one over it with a grace of one second. It returns
// when that grace ends and the sessions that must close with it.
func (r *crashRig) arm(round int) (time.Time, []int64) {
	t, ctx := r.t, context.Background()
	var sessions []int64
	for i := range 2 {
		text := fmt.Sprintf("round %d grace message %d", round, i)
		a, err := r.post(ctx, r.grace, fmt.Sprintf("grace-%d-%d", round, i), text)
		r.l.message(text, a, err)
		if err != nil || a.status != 200 {
			t.Fatalf("message on the grace sender: %d %s %v", a.status, a.body, err)
		}
		r.l.mu.Lock()
		sessions = append(sessions, r.l.acked[len(r.l.acked)-1].session)
		r.l.mu.Unlock()
	}
	a, err := r.c.call(ctx, "POST", fmt.Sprintf("/api/v1/chatbots/%d/activate", r.pair[1]), r.token, map[string]any{"previous_grace_seconds": 1})
	r.l.transition(r.pair[1], "activate", a, err)
	if err != nil || a.status != 200 {
		t.Fatalf("redeploy on the grace sender: %d %s %v", a.status, a.body, err)
	}
	var prev apiBot
	if err := r.c.must(ctx, "GET", fmt.Sprintf("/api/v1/chatbots/%d", r.pair[0]), r.token, nil, &prev); err != nil {
		t.Fatal(err)
	}
	if prev.Status != store.StatusDeactivated || prev.GraceEndsAt == nil {
		t.Fatalf("after the redeploy chatbot %d is %s", prev.ID, prev.Status)
	}
	return *prev.GraceEndsAt, sessions
}

// wantGraceEnded checks that the restarted server ended the grace that
// ran out while it was down: the chatbot is inactive, its sessions closed
// with grace_ended, and the system audited it after the kill.
func (r *crashRig) wantGraceEnded(db *sql.DB, dead time.Time, sessions []int64) {
	t, ctx, id := r.t, context.Background(), r.pair[0]
	var status string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if err := db.QueryRowContext(ctx, `SELECT status FROM chatbots WHERE id = ?`, id).Scan(&status); err != nil {
			t.Fatal(err)
		}
		if status == store.StatusInactive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("chatbot %d is still %s 5 s after the restart; its grace ended while the server was down", id, status)
		}
	}
	r.wantGraceEndedSessions(db, sessions)
	var ats []string
	err := each(ctx, db, `SELECT at FROM audit_log WHERE action = 'chatbot.grace_ended' AND target_type = 'chatbot'
		AND target_id = ? AND actor_name = 'system' AND at > ?`, func(r *sql.Rows) error {
		var at string
		if err := r.Scan(&at); err != nil {
			return err
		}
		ats = append(ats, at)
		return nil
	}, fmt.Sprint(id), dead.UTC().Format(store.TimeFormat))
	if err != nil {
		t.Fatal(err)
	}
	if len(ats) != 1 {
		t.Fatalf("chatbot %d: %d grace ends by the system after the restart in the audit log, want 1", id, len(ats))
	}
	// SPEC §3: deadlines are met within a second; this one was missed
	// while the server was down, so it is due as soon as it is up.
	at, _ := time.Parse(store.TimeFormat, ats[0])
	if late := at.Sub(r.p.ready); late > time.Second {
		t.Errorf("the grace that ran out while the server was down ended %s after it was up", late)
	}
	r.startupGrace = append(r.startupGrace, at.Sub(r.restarted))
}

// wantGraceEndedSessions checks that the sessions of the armed grace
// closed with it (as readers see them: the grace end is logical, the
// sweeper rewrites the rows after).
func (r *crashRig) wantGraceEndedSessions(db *sql.DB, sessions []int64) {
	for _, s := range sessions {
		var reason string
		if err := db.QueryRowContext(context.Background(), `SELECT coalesce(close_reason, 'open') FROM chat_sessions_effective WHERE id = ?`, s).Scan(&reason); err != nil {
			r.t.Fatal(err)
		}
		if reason != store.CloseGraceEnded {
			r.t.Errorf("session %d of chatbot %d: %s, want closed grace_ended", s, r.pair[0], reason)
		}
	}
}

// waitGraces waits until every grace that ran out before the restart has
// been ended: the sweeper does that at start-up.
func (r *crashRig) waitGraces(db *sql.DB) {
	started := r.p.started.UTC().Format(store.TimeFormat)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM chatbots WHERE status = 'deactivated' AND grace_ends_at < ?`, started).Scan(&n); err != nil {
			r.t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%d graces that ran out while the server was down are not ended 5 s after the restart", n)
		}
	}
}

// auditVerify runs `answers audit verify` on the database.
func (r *crashRig) auditVerify() {
	out, err := answers(r.t, r.bin, "audit", "verify", "--db", r.db)
	if err != nil || !strings.Contains(out, "Audit chain intact") {
		r.t.Errorf("answers audit verify: %v\n%s", err, out)
	}
}

// checkRollups compares the rollups with a recount by `answers analytics
// rebuild`, on the stopped server's database.
func (r *crashRig) checkRollups() {
	var st *store.Store
	open := func() *store.Store {
		if st != nil {
			st.Close()
		}
		var err error
		if st, err = store.Open(context.Background(), r.db); err != nil {
			r.t.Fatal(err)
		}
		return st
	}
	defer func() { st.Close() }()
	checkRollups(r.t, open, func() error {
		out, err := answers(r.t, r.bin, "analytics", "rebuild", "--db", r.db)
		if err != nil {
			return fmt.Errorf("%w: %s", err, out)
		}
		return nil
	})
}
