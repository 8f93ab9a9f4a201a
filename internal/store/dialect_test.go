package store

import "testing"

func TestRebindPostgres(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`SELECT a FROM t WHERE b = ? AND c = ?`, `SELECT a FROM t WHERE b = $1 AND c = $2`},
		{`UPDATE t SET a = ?1, b = ?2 WHERE id = ?1`, `UPDATE t SET a = $1, b = $2 WHERE id = $1`},
		{`UPDATE t SET a = ?2 WHERE b = ?1 AND c = ?`, `UPDATE t SET a = $2 WHERE b = $1 AND c = $3`},
		{`SELECT '?', "a?b" FROM t WHERE x = ?`, `SELECT '?', "a?b" FROM t WHERE x = $1`},
		{`SELECT name FROM c ORDER BY name COLLATE NOCASE DESC`, `SELECT name FROM c ORDER BY name DESC`},
		{`SELECT 1 FROM c WHERE name LIKE ? ESCAPE '\'`, `SELECT 1 FROM c WHERE name ILIKE $1 ESCAPE '\'`},
		{`SELECT 'it''s ?' WHERE a = ?`, `SELECT 'it''s ?' WHERE a = $1`},
	} {
		if got := rebindPostgres(tt.in); got != tt.want {
			t.Errorf("rebind(%q)\n = %q\nwant %q", tt.in, got, tt.want)
		}
	}
	if got := sqliteDialect.rebind("SELECT ?"); got != "SELECT ?" {
		t.Errorf("SQLite's queries are kept: %q", got)
	}
}
