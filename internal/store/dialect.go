package store

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// The store runs on SQLite (a file path) or PostgreSQL (a postgres:// URL)
// from one set of queries. They are written once, in the SQL both engines
// understand, with ? placeholders; a dialect rebinds them to the engine's
// placeholder style the first time it sees each text, and the few
// expressions that have no common spelling are asked of the dialect by
// name (jsonField, hourOf, jsonStrings). docs/storage.md tells the whole
// design.

// Engine names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// dialect is what differs between the engines in the SQL text itself.
type dialect struct {
	name string
	// rebound caches the PostgreSQL spelling of each query text.
	rebound sync.Map // string → string
}

var (
	sqliteDialect   = &dialect{name: SQLite}
	postgresDialect = &dialect{name: Postgres}
)

// IsPostgres reports whether the dialect is PostgreSQL's.
func (d *dialect) IsPostgres() bool { return d.name == Postgres }

// rebind turns a query written for SQLite into the engine's own: on
// PostgreSQL, ? and ?N placeholders become $n, and two rules the schema
// makes safe apply — names and emails are citext columns there, so
// "COLLATE NOCASE" is dropped, and LIKE becomes ILIKE (SQLite's LIKE
// ignores ASCII case, PostgreSQL's does not).
func (d *dialect) rebind(query string) string {
	if d.name != Postgres {
		return query
	}
	if q, ok := d.rebound.Load(query); ok {
		return q.(string)
	}
	q := rebindPostgres(query)
	d.rebound.Store(query, q)
	return q
}

// rebindPostgres rewrites placeholders outside string literals and quoted
// identifiers.
func rebindPostgres(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch c {
		case '\'', '"':
			j := i + 1
			for j < len(query) && query[j] != c {
				j++
			}
			b.WriteString(query[i:min(j+1, len(query))])
			i = j
		case '?':
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			if j > i+1 {
				// ?N keeps its number; as in SQLite, a plain ? after it
				// takes the number after the largest so far.
				k, _ := strconv.Atoi(query[i+1 : j])
				n = max(n, k)
				b.WriteString("$" + query[i+1:j])
			} else {
				n++
				b.WriteString("$" + strconv.Itoa(n))
			}
			i = j - 1
		default:
			if w, ok := keywordAt(query, i, " COLLATE NOCASE"); ok {
				i += len(w) - 1
				continue
			}
			if w, ok := keywordAt(query, i, " LIKE "); ok {
				b.WriteString(" ILIKE ")
				i += len(w) - 1
				continue
			}
			b.WriteByte(c)
		}
	}
	return b.String()
}

// keywordAt reports whether query has word at i, ignoring case.
func keywordAt(query string, i int, word string) (string, bool) {
	if len(query)-i < len(word) || !strings.EqualFold(query[i:i+len(word)], word) {
		return "", false
	}
	return word, true
}

// jsonField is the text of a top-level key of a JSON text column, or NULL.
func (d *dialect) jsonField(col, key string) string {
	if d.name == Postgres {
		return fmt.Sprintf("(%s::jsonb ->> '%s')", col, key)
	}
	return fmt.Sprintf("json_extract(%s, '$.%s')", col, key)
}

// hourOf is the unix hour (seconds since the epoch / 3600, rounded down)
// of a stored time (TimeFormat text).
func (d *dialect) hourOf(col string) string {
	return "(" + d.epochOf(col) + " / 3600)"
}

// epochOf is the unix time in whole seconds of a stored time.
func (d *dialect) epochOf(col string) string {
	if d.name == Postgres {
		return fmt.Sprintf("floor(extract(epoch FROM %s::timestamptz))::bigint", col)
	}
	return fmt.Sprintf("unixepoch(%s)", col)
}

// jsonStrings is a table expression with one row, column "value", per
// element of a JSON array of strings in col.
func (d *dialect) jsonStrings(col, alias string) string {
	if d.name == Postgres {
		return fmt.Sprintf("jsonb_array_elements_text(%s::jsonb) AS %s(value)", col, alias)
	}
	return fmt.Sprintf("json_each(%s) %s", col, alias)
}
