package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// batchRows is how many rows one INSERT of a bulk load carries: enough to
// spread the cost of a statement over many rows, well under SQLite's limit
// of 32,766 parameters.
const batchRows = 128

// batch buffers rows of one table into multi-row INSERTs.
type batch struct {
	table, cols string
	ncols       int
	args        []any
	full        *sql.Stmt // the INSERT of batchRows rows, prepared once (by the writer)
	// deps are the tables whose rows this one's triggers read: their
	// buffered rows are written first.
	deps []*batch
}

func newBulk(ctx context.Context, tx *sql.Tx) *Bulk {
	b := &Bulk{ctx: ctx, tx: tx}
	mk := func(table, cols string, deps ...*batch) *batch {
		t := &batch{table: table, cols: cols, ncols: strings.Count(cols, ",") + 1, deps: deps}
		t.args = make([]any, 0, batchRows*t.ncols)
		b.tables = append(b.tables, t)
		return t
	}
	b.sender = mk("senders", "id, channel, address, inbound_key, created_at, updated_at")
	b.user = mk("users", "id, email, name, role, password_hash, created_at, updated_at, last_login_at, disabled_at")
	b.chatbot = mk("chatbots", `id, name, language, channel, sender_id, session_timeout_seconds, definition, version, status,
		grace_ends_at, created_at, updated_at, first_activated_at, last_activated_at, last_deactivated_at`)
	b.live = mk("live_chatbots", "chatbot_id")
	b.release = mk("releases", `id, chatbot_id, number, definition, definition_hash, report, override_reason,
		activated_by_id, activated_by, activated_at`)
	// A session's triggers read its chatbot's status (I4).
	b.session = mk("chat_sessions", `id, sender_id, chatbot_id, open_on, release_id, end_user, state, opened_at,
		last_activity_at, expires_at, closed_at, close_reason, inbound_count, outbound_count`, b.chatbot)
	b.message = mk("messages", "session_id, chatbot_id, direction, text, at, entered, fallback_hits, branch")
	b.auditLog = mk("audit_log", `id, at, actor_id, actor_name, action, target_type, target_id, target_name, details, ip,
		prev_hash, hash`)
	return b
}

// insert is the INSERT of n rows into t.
func (t *batch) insert(n int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", t.ncols), ", ") + ")"
	return "INSERT INTO " + t.table + " (" + t.cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// add buffers one row of t and hands the batch to the writer when it is
// full.
func (b *Bulk) add(t *batch, args ...any) error {
	t.args = append(t.args, args...)
	if len(t.args) < batchRows*t.ncols {
		return nil
	}
	return b.send(t)
}

// send hands t's rows to the writer, after those of its dependencies, and
// starts a new batch. A loader that writes parents before children sends
// only full batches.
func (b *Bulk) send(t *batch) error {
	if len(t.args) == 0 {
		return nil
	}
	for _, d := range t.deps {
		if err := b.send(d); err != nil {
			return err
		}
	}
	err := b.w.send(job{t: t, args: t.args})
	t.args = make([]any, 0, batchRows*t.ncols)
	return err
}

// Flush writes every buffered row and waits until it is written.
func (b *Bulk) Flush() error {
	for _, t := range b.tables {
		if err := b.send(t); err != nil {
			return err
		}
	}
	done := make(chan error, 1)
	if err := b.w.send(job{done: done}); err != nil {
		return err
	}
	return <-done
}

// job is a batch of rows for the writer, or (with done) a request to say
// when everything before it is written.
type job struct {
	t    *batch
	args []any
	done chan error
}

// writer runs the INSERTs on its own goroutine, so that building rows
// (times, JSON, hashes) and SQLite's work on them use two cores.
type writer struct {
	ctx    context.Context
	tx     *sql.Tx
	jobs   chan job
	failed chan struct{} // closed at the first failure: the loader stops early
	exit   chan error
}

func startWriter(ctx context.Context, tx *sql.Tx) *writer {
	w := &writer{ctx: ctx, tx: tx, jobs: make(chan job, 16), failed: make(chan struct{}), exit: make(chan error, 1)}
	go w.run()
	return w
}

// run writes the jobs in order; after a failure it only drains them.
func (w *writer) run() {
	var err error
	for j := range w.jobs {
		if j.done != nil {
			j.done <- err
			continue
		}
		if err == nil {
			if err = w.write(j.t, j.args); err != nil {
				close(w.failed)
			}
		}
	}
	w.exit <- err
}

var errWriterFailed = errors.New("bulk load stopped: an insert failed")

// send queues a job; it fails when the writer has failed (stop says why).
func (w *writer) send(j job) error {
	select {
	case w.jobs <- j:
		return nil
	case <-w.failed:
		return errWriterFailed
	case <-w.ctx.Done():
		return w.ctx.Err()
	}
}

// stop waits for the queued jobs and returns the first failure.
func (w *writer) stop() error {
	close(w.jobs)
	return <-w.exit
}

func (w *writer) write(t *batch, args []any) error {
	rows := len(args) / t.ncols
	var err error
	if rows == batchRows {
		if t.full == nil {
			t.full, err = w.tx.PrepareContext(w.ctx, t.insert(batchRows))
		}
		if err == nil {
			_, err = t.full.ExecContext(w.ctx, args...)
		}
	} else {
		_, err = w.tx.ExecContext(w.ctx, t.insert(rows), args...)
	}
	if err != nil {
		return fmt.Errorf("bulk insert into %s: %w", t.table, err)
	}
	return nil
}
