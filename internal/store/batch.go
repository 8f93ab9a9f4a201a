package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
)

// Group commit. Every write goes through the one writer connection, and a
// commit writes each page the transaction touched to the WAL: per routed
// message that is a dozen pages, most of them the same few (the session's,
// the transcript's last page, this hour's rollup row). InBatch lets the
// inbound API's messages share a transaction: a single goroutine takes
// the work that is waiting, runs each piece in its own savepoint (so one
// refusal undoes only its own writes) — or, for set jobs (InBatchSet, the
// routed messages), hands them to their runner together, which refuses
// before it writes (setbatch.go) — commits once, and then answers
// everyone. Nobody hears "done" before the commit; if the commit fails,
// everyone in the batch hears the error and nothing of theirs was kept.

// maxBatch bounds the work of one transaction, so that a batch stays short
// beside the other writers (lifecycle transitions, the sweeper).
const maxBatch = 128

type batchJob struct {
	fn func(context.Context, *Tx) error
	// set and item: a set job (InBatchSet) instead of fn.
	set  SetRunner
	item any
	done chan error
}

var errClosed = errors.New("the database is closed")

// InBatch runs fn in a write transaction that it may share with other
// InBatch calls, and returns once that transaction has committed (nil) or
// failed. fn runs on the batch goroutine with a context that is not
// cancelled, so one caller going away cannot interrupt the others' work;
// if ctx ends before fn starts, fn does not run.
func (s *Store) InBatch(ctx context.Context, fn func(context.Context, *Tx) error) error {
	return s.inBatch(ctx, s.batch, fn)
}

// InBatchFor is InBatch for work on one key (an end user on a sender):
// every job of a key goes to the same batch runner, so the batches that
// run side by side on PostgreSQL never wait for each other's locks on
// one session, nor lock two sessions in opposite orders — only batches
// of two replicas can.
func (s *Store) InBatchFor(ctx context.Context, key uint64, fn func(context.Context, *Tx) error) error {
	return s.inBatch(ctx, s.keyed[key%uint64(len(s.keyed))], fn)
}

func (s *Store) inBatch(ctx context.Context, queue chan *batchJob, fn func(context.Context, *Tx) error) error {
	return s.enqueue(ctx, queue, &batchJob{fn: fn, done: make(chan error, 1)})
}

// enqueue hands job to a batch runner and waits for its answer.
func (s *Store) enqueue(ctx context.Context, queue chan *batchJob, job *batchJob) error {
	select {
	case queue <- job:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closed:
		return errClosed
	}
	return <-job.done
}

// startBatches starts n goroutines that run batches; batchDone closes
// when all have returned (after Close). Runner i adds to rollup shard
// base+i, so that concurrent batches never add to the same rollup row.
func (s *Store) startBatches(n, base int) {
	var wg sync.WaitGroup
	s.keyed = make([]chan *batchJob, n)
	for i := range n {
		s.keyed[i] = make(chan *batchJob)
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.runBatches(s.keyed[i], base+i)
		}()
	}
	go func() {
		wg.Wait()
		close(s.batchDone)
	}()
}

// runBatches runs batches of the jobs of its own queue and of the shared
// one.
func (s *Store) runBatches(own chan *batchJob, shard int) {
	for {
		var first *batchJob
		select {
		case first = <-own:
		case first = <-s.batch:
		case <-s.closed:
			return
		}
		jobs := []*batchJob{first}
		// Let the callers that were just answered send their next piece
		// first: without this, a busy machine commits batches of one or
		// two while the rest are a moment from joining.
		runtime.Gosched()
	more:
		for len(jobs) < maxBatch {
			select {
			case j := <-own:
				jobs = append(jobs, j)
			case j := <-s.batch:
				jobs = append(jobs, j)
			default:
				break more
			}
		}
		s.runBatch(jobs, shard)
	}
}

func (s *Store) runBatch(jobs []*batchJob, shard int) {
	ctx := context.Background()
	results := make([]error, len(jobs))
	err := s.batchTx(ctx, jobs, results, shard)
	if s.pg != nil && err != nil {
		// A batch that failed to serialize runs again from the start.
		err = s.pgRetry(ctx, func() error {
			clear(results)
			return s.batchTx(ctx, jobs, results, shard)
		}, err)
	}
	for i, j := range jobs {
		if err != nil {
			results[i] = err
		}
		j.done <- results[i]
	}
}

// batchTx runs the jobs in one transaction, each function in a savepoint
// and then the set jobs (see SetRunner) together, and commits; a non-nil
// return means nothing was kept.
func (s *Store) batchTx(ctx context.Context, jobs []*batchJob, results []error, shard int) error {
	tx, q, err := s.beginWrite(ctx, true)
	if err != nil {
		return err
	}
	defer s.afterWrite(ctx)
	batch := &Tx{queries: q, tx: tx, rollup: newRollup(), shard: shard, hooks: &sessionHooks{}, hookCache: s.hookCache()}
	for i, j := range jobs {
		if j.set != nil {
			continue // run together below, without savepoints
		}
		if _, err := q.q.ExecContext(ctx, `SAVEPOINT job`); err != nil {
			_ = tx.Rollback() // the error that stopped the batch is the one to report
			return err
		}
		// Each job counts its own rollups; a refused job's do not count.
		t := &Tx{queries: q, tx: tx, rollup: newRollup(), hooks: batch.hooks, hookCache: batch.hookCache}
		if results[i] = runJob(ctx, j, t); results[i] != nil {
			if _, err := q.q.ExecContext(ctx, `ROLLBACK TO job`); err != nil {
				_ = tx.Rollback() // the error that stopped the batch is the one to report
				return err
			}
		} else {
			batch.rollup.merge(t.rollup)
			batch.eventAdded = batch.eventAdded || t.eventAdded
			batch.events = append(batch.events, t.events...)
		}
		if _, err := q.q.ExecContext(ctx, `RELEASE job`); err != nil {
			_ = tx.Rollback() // the error that stopped the batch is the one to report
			return err
		}
	}
	if err := runSets(ctx, batch, jobs, results); err != nil {
		_ = tx.Rollback() // the error that stopped the batch is the one to report
		return err
	}
	// The rollup rows the whole batch touched, each written once.
	if err := batch.commit(ctx); err != nil {
		return err
	}
	if batch.eventAdded {
		s.signalHooks()
	}
	return nil
}

// runJob runs one job; a panic in it becomes that job's error (its
// savepoint is rolled back), as a panicking handler answers 500 without
// taking the server down, instead of ending the batch goroutine.
func runJob(ctx context.Context, j *batchJob, t *Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in a batched transaction: %v", r)
		}
	}()
	return j.fn(ctx, t)
}
