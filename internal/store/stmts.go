package store

import (
	"context"
	"database/sql"
	"sync"
)

// SQLite spends more time parsing a statement than running it: a routed
// message runs a dozen short statements, and parsing them each time was a
// third of the inbound API's CPU. So each pool prepares every query text
// once and keeps it. The texts are the constants of this package (filters
// add a bounded number of variants), so the cache stays small.

// stmtCache holds the prepared statements of one pool.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
	// pending are queries first seen inside a write transaction: the
	// writer's only connection is busy then, so they are prepared after
	// the transaction ends.
	pending map[string]bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[query]
}

// prepare prepares query on the pool (not inside a transaction).
func (c *stmtCache) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := c.lookup(query); st != nil {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[query]; old != nil {
		st.Close() //nolint:sqlclosecheck // a twin prepared meanwhile: this one is dropped at once
		return old, nil
	}
	c.m[query] = st
	return st, nil
}

func (c *stmtCache) later(query string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending[query] = true
}

// preparePending prepares the queries that transactions met for the first
// time. A query that fails to prepare is dropped: it runs unprepared.
func (c *stmtCache) preparePending(ctx context.Context) {
	c.mu.Lock()
	var queries []string
	for q := range c.pending {
		queries = append(queries, q)
	}
	clear(c.pending)
	c.mu.Unlock()
	for _, q := range queries {
		_, _ = c.prepare(ctx, q) //nolint:sqlclosecheck // kept in the cache, closed by stmtCache.close
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	clear(c.m)
}

// cachedDB runs queries on a pool with prepared statements.
type cachedDB struct{ c *stmtCache }

func (d cachedDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := d.c.prepare(ctx, query) //nolint:sqlclosecheck // kept in the cache, closed by stmtCache.close
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (d cachedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := d.c.prepare(ctx, query) //nolint:sqlclosecheck // kept in the cache, closed by stmtCache.close
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (d cachedDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := d.c.prepare(ctx, query) //nolint:sqlclosecheck // kept in the cache, closed by stmtCache.close
	if err != nil {
		return d.c.db.QueryRowContext(ctx, query, args...) // reports the same error
	}
	return st.QueryRowContext(ctx, args...)
}

// cachedTx runs queries in a write transaction with the writer's prepared
// statements; one it has not seen runs as it is and is prepared after the
// transaction.
type cachedTx struct {
	tx *sql.Tx
	c  *stmtCache
	// inTx holds the statements bound to this transaction, so a batch
	// binds each once.
	inTx map[*sql.Stmt]*sql.Stmt
}

func newCachedTx(tx *sql.Tx, c *stmtCache) cachedTx {
	return cachedTx{tx: tx, c: c, inTx: map[*sql.Stmt]*sql.Stmt{}}
}

func (t cachedTx) stmt(ctx context.Context, query string) *sql.Stmt {
	st := t.c.lookup(query)
	if st == nil {
		t.c.later(query)
		return nil
	}
	bound := t.inTx[st]
	if bound == nil {
		bound = t.tx.StmtContext(ctx, st)
		t.inTx[st] = bound
	}
	return bound
}

func (t cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, query); st != nil { //nolint:sqlclosecheck // bound to the transaction, closed with it
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, query); st != nil { //nolint:sqlclosecheck // bound to the transaction, closed with it
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmt(ctx, query); st != nil { //nolint:sqlclosecheck // bound to the transaction, closed with it
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}
