package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// The benchmark's floors: what SQLite alone costs on the same disk with
// the console's pragmas (see dsn), so that a figure of the console can be
// read as a ratio to the least it could be.

// openFloor opens a new database file the way Open opens the console's
// writer (WAL, synchronous NORMAL, busy timeout, BEGIN IMMEDIATE, one
// connection), with one table of rows shaped like transcript lines.
func openFloor(ctx context.Context, path string) (*sql.DB, error) {
	w, err := openWriter(path)
	if err != nil {
		return nil, err
	}
	_, err = w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS floor (
		id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, text TEXT NOT NULL, at TEXT NOT NULL, closed_at TEXT)`)
	if err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// InsertFloor runs n write transactions of one INSERT each from workers
// goroutines sharing the one writer connection, as the console's
// requests share its writer, into a new database at path. It returns
// each transaction's latency (including the wait for the writer) and the
// time all took.
func InsertFloor(ctx context.Context, path string, n, workers int) ([]time.Duration, time.Duration, error) {
	w, err := openFloor(ctx, path)
	if err != nil {
		return nil, 0, err
	}
	defer w.Close()
	lat := make([]time.Duration, n)
	next := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t := time.Now()
				tx, err := w.BeginTx(ctx, nil)
				if err == nil {
					_, err = tx.ExecContext(ctx, `INSERT INTO floor (session_id, text, at) VALUES (?, ?, ?)`, i, "message text", fmtTime(t))
					if err == nil {
						err = tx.Commit()
					} else {
						tx.Rollback()
					}
				}
				if err != nil {
					errs <- err
					return
				}
				lat[i] = time.Since(t)
			}
		}()
	}
	var ferr error
feed:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case ferr = <-errs:
			break feed
		}
	}
	close(next)
	wg.Wait()
	if ferr == nil && len(errs) > 0 {
		ferr = <-errs
	}
	return lat, time.Since(start), ferr
}

// UpdateFloor fills a new database at path with n open rows and times
// one transaction that closes them all with one UPDATE: what closing n
// sessions costs SQLite alone, without indexes, triggers or foreign keys.
func UpdateFloor(ctx context.Context, path string, n int) (time.Duration, error) {
	w, err := openFloor(ctx, path)
	if err != nil {
		return 0, err
	}
	defer w.Close()
	now := fmtTime(time.Now())
	_, err = w.ExecContext(ctx, `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?)
		INSERT INTO floor (session_id, text, at) SELECT i, 'open session', ? FROM c`, n, now)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE floor SET closed_at = ? WHERE closed_at IS NULL`, now); err != nil {
		tx.Rollback()
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}
