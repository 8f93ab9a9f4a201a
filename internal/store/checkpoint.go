package store

import (
	"context"
	"database/sql"
	"log/slog"
	"time"
)

// Checkpoints. In WAL mode SQLite appends every commit to the -wal file
// and later copies the pages back into the database file: a checkpoint.
// By default the connection whose commit takes the WAL past 1,000 pages
// runs it, inside that commit — on this store that is the one writer, so
// every message in the group commit, and every message queued behind it,
// waited for the copy and its fsync (8 % of the server's CPU under the
// inbound benchmark, all of it on the writer's path). The writer
// therefore never checkpoints (wal_autocheckpoint 0); a connection of its
// own runs a PASSIVE checkpoint every checkpointEvery, which copies what
// no reader still needs without taking the write lock, so the writer
// goes on appending meanwhile. Closing the store's last connection
// checkpoints whatever is left.
//
// A passive checkpoint never lets the WAL start over while the writer
// keeps appending (the log restarts only once everything in it has been
// copied, and under steady load something new always is): the file would
// grow without end, and appending to an ever longer file costs more than
// overwriting its start. So once the WAL holds more than
// restartFrames, the checkpointer runs a RESTART checkpoint: it waits
// for the writer's transaction in progress, holds the next one back while
// it copies the little the passive ones left, and the next transaction
// writes the log from its start again.

// checkpointEvery is how often the checkpointer runs. Under the heaviest
// load the WAL grows by a few thousand pages in that time.
const checkpointEvery = 250 * time.Millisecond

// restartFrames is the WAL size, in pages, past which the checkpointer
// makes the log start over (about 64 MiB of 4 KiB pages).
const restartFrames = 16384

// startCheckpoints starts the checkpointer of a SQLite database; it stops
// when the store closes. If its connection cannot be opened, the writer
// checkpoints as SQLite does by default.
func (s *Store) startCheckpoints(path string) {
	c, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		slog.Warn("the checkpointer did not start; the writer checkpoints", "err", err)
		_, _ = s.W.Exec(`PRAGMA wal_autocheckpoint = 1000`)
		return
	}
	// No connection is kept between checkpoints, so that a bulk load,
	// which needs the only connection to the file, finds none while it
	// holds checkpointMu.
	c.SetMaxOpenConns(1)
	c.SetMaxIdleConns(0)
	s.checkpointsDone = make(chan struct{})
	go func() {
		defer close(s.checkpointsDone)
		defer c.Close()
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		for {
			select {
			case <-s.closed:
				return
			case <-t.C:
			}
			s.checkpointMu.Lock()
			err := checkpoint(c)
			s.checkpointMu.Unlock()
			if err != nil {
				slog.Warn("WAL checkpoint", "err", err)
			}
		}
	}()
}

// checkpoint copies what it can of the WAL into the database file, and
// makes the log start over when it has grown past restartFrames.
func checkpoint(c *sql.DB) error {
	var busy, logged, copied int
	ctx := context.Background()
	if err := c.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logged, &copied); err != nil || logged < restartFrames {
		return err
	}
	return c.QueryRowContext(ctx, `PRAGMA wal_checkpoint(RESTART)`).Scan(&busy, &logged, &copied)
}
