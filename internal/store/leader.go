package store

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// The background work (grace deadlines, session timeouts, analytics
// sketches) runs in one process at a time. On SQLite that is the one
// server on the file. On PostgreSQL every replica runs RunAsLeader, and
// the one holding a session-level advisory lock does the work; when it
// dies its connection closes, PostgreSQL releases the lock, and another
// replica takes it within leaderPoll. The leader's connection also
// LISTENs on deadlineChannel, so that a grace deadline set through any
// replica wakes the leader's scheduler at once.

const (
	deadlineChannel = "answers_deadlines"
	// leaderPoll is how often a replica tries to become the leader, and
	// how long the leader waits for a notification before checking its
	// connection again.
	leaderPoll = 500 * time.Millisecond
)

// Wakeups receives a value when a deadline may have moved earlier: after
// a commit that set a grace end in this process, and on PostgreSQL when
// any replica did (while this process is the leader).
func (s *Store) Wakeups() <-chan struct{} { return s.wake }

func (s *Store) signalWake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// noteDeadline records, inside a transaction, that it sets a deadline:
// other replicas hear of it at commit (NOTIFY is transactional), this
// process right after.
func (t *Tx) noteDeadline(ctx context.Context) error {
	t.deadlineSet = true
	if t.d.IsPostgres() {
		_, err := t.q.ExecContext(ctx, `SELECT pg_notify('`+deadlineChannel+`', '')`)
		return err
	}
	return nil
}

// RunAsLeader calls work with a context that lives while this process is
// the leader, until ctx ends. On SQLite the process is always the leader.
func (s *Store) RunAsLeader(ctx context.Context, log *slog.Logger, work func(context.Context)) {
	if s.pg == nil {
		work(ctx)
		return
	}
	for ctx.Err() == nil {
		led, err := s.leadOnce(ctx, log, work)
		if err != nil && ctx.Err() == nil {
			log.Warn("leader election", "error", err)
		}
		if led {
			log.Info("no longer the leader")
			continue // try again at once: the lock may be free
		}
		select {
		case <-ctx.Done():
		case <-time.After(leaderPoll):
		}
	}
}

// leadOnce tries to take the leader lock; if it gets it, it runs work
// until the lock's connection fails or ctx ends, and reports that it led.
func (s *Store) leadOnce(ctx context.Context, log *slog.Logger, work func(context.Context)) (bool, error) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.ConnectConfig(cctx, s.pg.cfg)
	cancel()
	if err != nil {
		return false, err
	}
	defer conn.Close(context.Background())
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, leaderLockKey).Scan(&got); err != nil || !got {
		return false, err
	}
	if _, err := conn.Exec(ctx, `LISTEN `+deadlineChannel); err != nil {
		return false, err
	}
	log.Info("this replica is the leader: it runs the grace scheduler and the sweeper")
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		work(wctx)
	}()
	defer func() {
		stop()
		<-done
	}()
	s.signalWake() // a new leader looks at the deadlines at once
	for {
		lctx, cancel := context.WithTimeout(ctx, leaderPoll)
		_, err := conn.WaitForNotification(lctx)
		cancel()
		switch {
		case err == nil:
			s.signalWake()
		case ctx.Err() != nil:
			return true, nil
		case conn.IsClosed():
			return true, err
		case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
			// No notification in leaderPoll, and the connection is alive.
		default:
			return true, err
		}
	}
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}
