package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/audit"
)

// sampleEntry is the i-th entry of a test log; the fields vary so that
// every column takes part in the hashes.
func sampleEntry(i int) audit.Entry {
	e := audit.Entry{
		At:         now.Add(time.Duration(i) * time.Second),
		Action:     fmt.Sprintf("test.action_%d", i%3),
		TargetType: "user",
		TargetID:   fmt.Sprint(100 + i),
		TargetName: fmt.Sprintf("user%d@example.com", i),
		IP:         fmt.Sprintf("10.0.0.%d", i),
	}
	if i%2 == 0 {
		e.ActorID, e.ActorName = int64(i+1), fmt.Sprintf("actor%d@example.com", i)
		e.Details = map[string]any{"before": map[string]any{"role": "analyzer"}, "after": map[string]any{"role": "designer"}, "n": i}
	}
	return e
}

// appendEntries appends n sample entries, each in its own transaction.
func appendEntries(t *testing.T, st *Store, n int) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	for i := range n {
		mustTx(t, st, func(tx *Tx) error {
			e, err := tx.AppendAudit(context.Background(), sampleEntry(i))
			out = append(out, e)
			return err
		})
	}
	return out
}

func mustVerify(t *testing.T, st *Store, want int64) {
	t.Helper()
	n, err := st.VerifyAudit(context.Background())
	if err != nil || n != want {
		t.Fatalf("VerifyAudit = %d, %v; want %d entries intact", n, err, want)
	}
}

func TestAppendAuditChains(t *testing.T) {
	st, _ := openStore(t)
	entries := appendEntries(t, st, 5)
	prev := audit.Genesis
	for i, e := range entries {
		if e.ID != int64(i+1) {
			t.Errorf("entry %d: id %d", i, e.ID)
		}
		if e.PrevHash != prev {
			t.Errorf("entry %d: prev_hash %s, want %s", e.ID, e.PrevHash, prev)
		}
		want := audit.ComputeHash(prev, e.ID, e.At.UTC().Format(audit.TimeFormat), e.ActorName, e.ActorID,
			e.Action, e.TargetType, e.TargetID, e.TargetName, e.DetailsJSON(), e.IP)
		if e.Hash != want {
			t.Errorf("entry %d: hash %s, want %s", e.ID, e.Hash, want)
		}
		if e.ActorID == 0 && e.ActorName != "system" {
			t.Errorf("entry %d without an actor: actor name %q, want system", e.ID, e.ActorName)
		}
		prev = e.Hash
	}
	mustVerify(t, st, 5)

	// What is read back is what was appended.
	page, err := st.AuditEntries(context.Background(), 0, 10)
	if err != nil || len(page.Entries) != 5 {
		t.Fatalf("AuditEntries = %d entries, %v", len(page.Entries), err)
	}
	for i, got := range page.Entries {
		want := entries[len(entries)-1-i]
		if got.ID != want.ID || !got.At.Equal(want.At) || got.ActorID != want.ActorID || got.ActorName != want.ActorName ||
			got.Action != want.Action || got.TargetType != want.TargetType || got.TargetID != want.TargetID ||
			got.TargetName != want.TargetName || got.IP != want.IP || got.PrevHash != want.PrevHash || got.Hash != want.Hash ||
			got.DetailsJSON() != want.DetailsJSON() {
			t.Errorf("read back %+v\nappended  %+v", got, want)
		}
	}
}

func TestAppendAuditInOneTransactionAndRollback(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	mustTx(t, st, func(tx *Tx) error {
		for i := range 3 {
			if _, err := tx.AppendAudit(ctx, sampleEntry(i)); err != nil {
				return err
			}
		}
		return nil
	})
	boom := errors.New("the change failed")
	err := st.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.AppendAudit(ctx, sampleEntry(9)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx err = %v", err)
	}
	// The rolled back entry left no trace: the next one takes id 4.
	mustTx(t, st, func(tx *Tx) error {
		e, err := tx.AppendAudit(ctx, sampleEntry(3))
		if err == nil && e.ID != 4 {
			t.Errorf("entry after a rollback has id %d, want 4", e.ID)
		}
		return err
	})
	mustVerify(t, st, 4)
}

// Appends from many goroutines and from a second store on the same file
// (the CLI beside the server) never read the same head of the chain.
func TestAppendAuditConcurrently(t *testing.T) {
	ctx := context.Background()
	st, file := openStore(t)
	other, err := Open(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	const workers, each = 4, 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers*each)
	for _, s := range []*Store{st, other} {
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					errs <- s.InTx(ctx, func(tx *Tx) error {
						_, err := tx.AppendAudit(ctx, sampleEntry(w*each+i))
						return err
					})
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent append: %v", err)
		}
	}
	mustVerify(t, st, 2*workers*each)
}

func TestAuditEntriesPagination(t *testing.T) {
	const limit = 5
	for _, n := range []int{0, 1, limit - 1, limit, 2 * limit, 23} {
		t.Run(fmt.Sprintf("%d entries", n), func(t *testing.T) {
			st, _ := openStore(t)
			appendEntries(t, st, n)
			var seen []int64
			before := int64(0)
			for pages := 0; ; pages++ {
				if pages > n+1 {
					t.Fatal("pagination does not end")
				}
				page, err := st.AuditEntries(context.Background(), before, limit)
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Entries) > limit {
					t.Fatalf("page of %d entries, limit %d", len(page.Entries), limit)
				}
				for _, e := range page.Entries {
					seen = append(seen, e.ID)
				}
				if page.NextBefore == 0 {
					break
				}
				if len(page.Entries) != limit || page.NextBefore != page.Entries[limit-1].ID {
					t.Fatalf("NextBefore %d on a page of %d entries", page.NextBefore, len(page.Entries))
				}
				before = page.NextBefore
			}
			// Newest first, every entry exactly once.
			if len(seen) != n {
				t.Fatalf("saw %d entries over all pages, want %d: %v", len(seen), n, seen)
			}
			for i, id := range seen {
				if id != int64(n-i) {
					t.Fatalf("ids over all pages = %v, want %d down to 1", seen, n)
				}
			}
		})
	}
}

func TestAuditEntriesRefusesNonPositiveLimit(t *testing.T) {
	st, _ := openStore(t)
	appendEntries(t, st, 2)
	for _, limit := range []int{0, -1} {
		if _, err := st.AuditEntries(context.Background(), 0, limit); err == nil {
			t.Errorf("AuditEntries(limit %d) succeeded, want an error", limit)
		}
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	entries := appendEntries(t, st, 3)
	for _, stmt := range []string{
		`UPDATE audit_log SET actor_name = 'mallory' WHERE id = 2`,
		`DELETE FROM audit_log WHERE id = 2`,
		`DELETE FROM audit_log`,
	} {
		_, err := st.W.ExecContext(ctx, stmt)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the append-only refusal", stmt, err)
		}
	}
	page, err := st.AuditEntries(ctx, 0, 10)
	if err != nil || len(page.Entries) != 3 || page.Entries[1].ActorName != entries[1].ActorName {
		t.Errorf("log after refused changes: %+v, %v", page.Entries, err)
	}
	mustVerify(t, st, 3)
}

// Someone with access to the file can drop the triggers; the chain still
// shows what they did.
func TestVerifyAuditDetectsTampering(t *testing.T) {
	const n = 6
	tests := []struct {
		name   string
		tamper []string
		// swap, when set, exchanges everything but the ids of two rows.
		swap       [2]int64
		wantID     int64
		wantReason string
	}{
		{name: "actor of a middle row changed", tamper: []string{`UPDATE audit_log SET actor_name = 'mallory' WHERE id = 3`}, wantID: 3, wantReason: "modified"},
		{name: "details of a middle row changed", tamper: []string{`UPDATE audit_log SET details = '{"after":{"role":"admin"}}' WHERE id = 3`}, wantID: 3, wantReason: "modified"},
		{name: "time of a middle row changed", tamper: []string{`UPDATE audit_log SET at = '2020-01-01T00:00:00.000000Z' WHERE id = 3`}, wantID: 3, wantReason: "modified"},
		{name: "actor id of a later row cleared", tamper: []string{`UPDATE audit_log SET actor_id = NULL WHERE id = 5`}, wantID: 5, wantReason: "modified"},
		{name: "middle row deleted", tamper: []string{`DELETE FROM audit_log WHERE id = 3`}, wantID: 4, wantReason: "removed"},
		{name: "first row deleted", tamper: []string{`DELETE FROM audit_log WHERE id = 1`}, wantID: 2, wantReason: "removed"},
		{name: "rows 2 and 5 swapped", swap: [2]int64{2, 5}, wantID: 2, wantReason: "reordered"},
		{name: "adjacent rows 3 and 4 swapped", swap: [2]int64{3, 4}, wantID: 3, wantReason: "reordered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st, _ := openStore(t)
			appendEntries(t, st, n)
			mustVerify(t, st, n)
			dropAuditTriggers(t, st)
			for _, stmt := range tt.tamper {
				if _, err := st.W.ExecContext(ctx, stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			if tt.swap[0] != 0 {
				swapAuditRows(t, st, tt.swap[0], tt.swap[1])
			}

			_, err := st.VerifyAudit(ctx)
			var b *audit.Break
			if !errors.As(err, &b) {
				t.Fatalf("VerifyAudit err = %v, want an *audit.Break", err)
			}
			if b.ID != tt.wantID || !strings.Contains(b.Reason, tt.wantReason) {
				t.Errorf("break at %d (%s), want at %d mentioning %q", b.ID, b.Reason, tt.wantID, tt.wantReason)
			}
		})
	}
}

// An attacker who changes a row and recomputes its hash is caught by the
// next row, whose prev_hash still names the old hash.
func TestVerifyAuditCatchesARecomputedHash(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	entries := appendEntries(t, st, 4)
	dropAuditTriggers(t, st)
	e := entries[1]
	forged := audit.ComputeHash(e.PrevHash, e.ID, e.At.UTC().Format(audit.TimeFormat), "mallory", e.ActorID,
		e.Action, e.TargetType, e.TargetID, e.TargetName, e.DetailsJSON(), e.IP)
	if _, err := st.W.ExecContext(ctx, `UPDATE audit_log SET actor_name = 'mallory', hash = ? WHERE id = ?`, forged, e.ID); err != nil {
		t.Fatal(err)
	}
	_, err := st.VerifyAudit(ctx)
	var b *audit.Break
	if !errors.As(err, &b) || b.ID != e.ID+1 {
		t.Fatalf("VerifyAudit err = %v, want a break at entry %d", err, e.ID+1)
	}
}

func dropAuditTriggers(t *testing.T, st *Store) {
	t.Helper()
	stmts := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
	if st.Engine() == Postgres {
		stmts = []string{`DROP TRIGGER audit_log_no_update ON audit_log`}
	}
	for _, stmt := range stmts {
		if _, err := st.W.ExecContext(context.Background(), stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

// swapAuditRows exchanges the contents of two rows, keeping their ids: the
// entries now appear in the other order.
func swapAuditRows(t *testing.T, st *Store, a, b int64) {
	t.Helper()
	ctx := context.Background()
	const cols = `at, actor_id, actor_name, action, target_type, target_id, target_name, details, ip, prev_hash, hash`
	read := func(id int64) []any {
		v := make([]any, 11)
		ptrs := make([]any, len(v))
		for i := range v {
			ptrs[i] = &v[i]
		}
		if err := st.W.QueryRowContext(ctx, `SELECT `+cols+` FROM audit_log WHERE id = ?`, id).Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		return v
	}
	ra, rb := read(a), read(b)
	write := func(id int64, v []any) {
		_, err := st.W.ExecContext(ctx, `UPDATE audit_log SET (`+cols+`) = (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) WHERE id = ?`, append(v, id)...)
		if err != nil {
			t.Fatal(err)
		}
	}
	write(a, rb)
	write(b, ra)
}

func TestAuditActionsListsEachOnceInOrder(t *testing.T) {
	st, _ := openStore(t)
	got, err := st.AuditActions(context.Background())
	if err != nil || len(got) != 0 {
		t.Fatalf("empty log: %v %v", got, err)
	}
	appendEntries(t, st, 10)
	got, err = st.AuditActions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"test.action_0", "test.action_1", "test.action_2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("actions %v, want %v", got, want)
	}
}
