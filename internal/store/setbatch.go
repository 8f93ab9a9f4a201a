package store

import (
	"context"
	"fmt"
	"math/bits"
	"strings"
)

// Set-oriented batches. A job sent with InBatchSet is not a function run
// in a savepoint of its own: the batch hands every such job of one runner
// to that runner at once, which reads what they all need in one query per
// kind, works out every job's writes, refuses the jobs it must before it
// writes anything, and then writes the rest a statement per kind. Without
// a savepoint per job, a refusal has to come before any write: a runner
// that fails after writing fails the whole batch (it is rolled back and
// every job in it hears the error).

// SetRunner runs the set jobs of a batch together.
type SetRunner interface {
	// RunSet runs items in tx and returns each item's refusal (nil for
	// done), or an error that fails the whole batch.
	RunSet(ctx context.Context, tx *Tx, items []any) ([]error, error)
}

// InBatchSet is InBatchFor for a job that r runs together with the other
// jobs of r in the batch (see SetRunner): it returns once the transaction
// has committed (nil), or the job's refusal, or the batch's error.
func (s *Store) InBatchSet(ctx context.Context, key uint64, r SetRunner, item any) error {
	job := &batchJob{set: r, item: item, done: make(chan error, 1)}
	return s.enqueue(ctx, s.keyed[key%uint64(len(s.keyed))], job)
}

// runSets runs the set jobs of a batch, each runner's together, in the
// order the runners first appear; a non-nil return fails the batch.
func runSets(ctx context.Context, batch *Tx, jobs []*batchJob, results []error) error {
	var runners []SetRunner
	byRunner := map[SetRunner][]int{}
	for i, j := range jobs {
		if j.set == nil {
			continue
		}
		if _, ok := byRunner[j.set]; !ok {
			runners = append(runners, j.set)
		}
		byRunner[j.set] = append(byRunner[j.set], i)
	}
	for _, r := range runners {
		idx := byRunner[r]
		items := make([]any, len(idx))
		for k, i := range idx {
			items[k] = jobs[i].item
		}
		errs, err := runSet(ctx, r, batch, items)
		if err != nil {
			return err
		}
		if len(errs) != len(items) {
			return fmt.Errorf("set runner answered %d of %d jobs", len(errs), len(items))
		}
		for k, i := range idx {
			results[i] = errs[k]
		}
	}
	return nil
}

// runSet runs one runner's jobs; a panic fails the batch rather than the
// batch goroutine.
func runSet(ctx context.Context, r SetRunner, t *Tx, items []any) (errs []error, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in a batched transaction: %v", p)
		}
	}()
	return r.RunSet(ctx, t, items)
}

// maxRowsPerStatement bounds the rows of one multi-row statement.
const maxRowsPerStatement = 32

// pieces splits n rows into statements of power-of-two sizes of at most
// most rows, largest first: however many rows a batch has, a multi-row
// statement comes in a few variants (each prepared once) and a batch runs
// few of them.
func pieces(n, most int) []int {
	var out []int
	for n > 0 {
		k := min(1<<(bits.Len(uint(n))-1), most)
		out = append(out, k)
		n -= k
	}
	return out
}

// sessionRowsPerStatement is how many sessions one statement writes. On
// PostgreSQL each statement is a round trip, so many. On SQLite a
// statement that writes several rows and may fail keeps a statement
// journal of every page it changes, and sessions lie on pages all over
// the table and its indexes: past 64 KiB the journal spills to a file for
// the rest of the transaction. A statement that writes one session by its
// id keeps none, and a prepared one costs little.
func (t *Tx) sessionRowsPerStatement() int {
	if t.d.IsPostgres() {
		return maxRowsPerStatement
	}
	return 1
}

// rowsOf is the VALUES list of n rows of the tuple row, such as "(?, ?)".
func rowsOf(row string, n int) string {
	return row + strings.Repeat(", "+row, n-1)
}
