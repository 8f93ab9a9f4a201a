package store

import (
	"context"
	"strings"
	"testing"
)

// TestHeldQueriesReadTheHeldIndex checks on SQLite that the queries the
// console runs on every page (the navigation's count) and every second
// (the inbox's version) read the small partial index of held sessions,
// not every open session: without the held_since term SQLite's planner
// scanned chat_sessions_one_open, 0.3 s a page at 100,000 open sessions.
func TestHeldQueriesReadTheHeldIndex(t *testing.T) {
	st, _ := openSQLiteStore(t)
	// Without statistics SQLite's planner breaks a tie between partial
	// indexes by their order in the schema: made again last, as `answers
	// seed` leaves them, the indexes of every open session win the tie
	// unless the query names the held index's own column.
	for _, idx := range []string{"chat_sessions_one_open", "chat_sessions_chatbot", "chat_sessions_expiry"} {
		var sql string
		if err := st.W.QueryRowContext(context.Background(), `SELECT sql FROM sqlite_master WHERE name = ?`, idx).Scan(&sql); err != nil {
			t.Fatalf("%s: %v", idx, err)
		}
		for _, stmt := range []string{"DROP INDEX " + idx, sql} {
			if _, err := st.W.ExecContext(context.Background(), stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
	}
	for name, q := range map[string]string{
		"count":            countHeldSQL,
		"count of chatbot": strings.Replace(countHeldOfChatbotSQL, "?", "1", 1),
		"inbox version":    inboxVersionSQL,
	} {
		plan, err := queryPlan(st, q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := strings.Join(plan, "; "); !strings.Contains(got, "USING INDEX chat_sessions_held") {
			t.Errorf("%s reads chat_sessions by: %s", name, got)
		}
	}
}

// queryPlan is the detail column of EXPLAIN QUERY PLAN q.
func queryPlan(st *Store, q string) ([]string, error) {
	rows, err := st.R.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, err
		}
		plan = append(plan, detail)
	}
	return plan, rows.Err()
}
