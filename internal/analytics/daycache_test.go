package analytics

import (
	"context"
	"testing"
	"time"

	"github.com/axiomhq/hyperloglog"

	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testdb"
)

// A run of whole days is read once and then merged from memory, until the
// entry expires; another run, or another chatbot, is read on its own.
func TestMergeDaysKeepsWhatItRead(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	day := int64(490000 / 24 * 24)
	put := func(chatbot, hour int64, users ...string) {
		t.Helper()
		putSketch(t, st, store.SpanDay, chatbot, hour, users...)
	}
	put(1, day, "a", "b")
	put(1, day+24, "b", "c")
	s := New(st)
	count := func(chatbot, from, to int64) uint64 {
		sk := hyperloglog.New14()
		if err := s.mergeDays(ctx, sk, chatbot, from, to); err != nil {
			t.Fatal(err)
		}
		return sk.Estimate()
	}
	if n := count(1, day, day+48); n != 3 {
		t.Fatalf("two days: %d end users, want 3", n)
	}
	put(1, day+24, "b", "c", "d", "e") // written again, as a rebuild does
	if n := count(1, day, day+48); n != 3 {
		t.Fatalf("the same days again: %d end users, want the 3 kept", n)
	}
	if n := count(1, day+24, day+48); n != 4 {
		t.Fatalf("another run of days: %d end users, want 4 (read now)", n)
	}
	s.days.expireAll()
	if n := count(1, day, day+48); n != 5 {
		t.Fatalf("after the entry expired: %d end users, want 5", n)
	}
	if n := count(2, day, day+48); n != 0 {
		t.Fatalf("a chatbot without sketches: %d end users", n)
	}
}

// putSketch stores a sketch of span of the end users users.
func putSketch(t *testing.T, st *store.Store, span int, chatbot, hour int64, users ...string) {
	t.Helper()
	sk := hyperloglog.New14()
	for _, u := range users {
		sk.Insert([]byte(u))
	}
	b, err := sk.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.PutEndUserSketch(ctx, chatbot, span, hour, b) }); err != nil {
		t.Fatal(err)
	}
}

// The finished hours around whole days (today's, say) are kept the same
// way: merged once, then from memory until the entry expires.
func TestMergeSketchesKeepsFinishedHours(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	day := int64(490000 / 24 * 24)
	putSketch(t, st, store.SpanHour, 1, day+1, "a")
	putSketch(t, st, store.SpanHour, 1, day+2, "b", "c")
	s := New(st)
	count := func(from, to int64) uint64 {
		sk := hyperloglog.New14()
		if err := s.mergeSketches(ctx, sk, 1, from, to); err != nil {
			t.Fatal(err)
		}
		return sk.Estimate()
	}
	if n := count(day, day+3); n != 3 {
		t.Fatalf("three hours: %d end users, want 3", n)
	}
	putSketch(t, st, store.SpanHour, 1, day+2, "b", "c", "d") // written again, as a rebuild does
	if n := count(day, day+3); n != 3 {
		t.Fatalf("the same hours again: %d end users, want the 3 kept", n)
	}
	if n := count(day, day+4); n != 4 {
		t.Fatalf("one more hour: %d end users, want 4 (read now)", n)
	}
}

// The count of a range that is all sketched is kept like the sketches
// behind it; a range that reaches past the sketched hours is counted
// every time.
func TestSketchedEstimateKept(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	day := int64(490000 / 24 * 24)
	putSketch(t, st, store.SpanHour, 1, day+1, "a", "b")
	if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.SetSketchedUntil(ctx, day+3) }); err != nil {
		t.Fatal(err)
	}
	s := New(st)
	count := func(to int64) int64 {
		t.Helper()
		n, err := s.uniqueEndUsers(ctx, 1, 0, day, to)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(day + 3); n != 2 {
		t.Fatalf("a sketched range: %d end users, want 2", n)
	}
	putSketch(t, st, store.SpanHour, 1, day+2, "c")
	if n := count(day + 3); n != 2 {
		t.Fatalf("the same range again: %d end users, want the 2 kept", n)
	}
	if n := count(day + 2); n != 2 {
		t.Fatalf("a shorter range: %d end users, want 2", n)
	}
	s.estimates.expireAll()
	s.days.expireAll()
	if n := count(day + 3); n != 3 {
		t.Fatalf("after the entries expired: %d end users, want 3", n)
	}
}

// openStore opens a fresh database (SQLite, or PostgreSQL when the tests
// run on it), closed when the test ends.
func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), testdb.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// expireAll lets every value kept expire, as time would.
func (c *kept[K, V]) expireAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		e.expires = time.Now().Add(-time.Second)
		c.m[k] = e
	}
}
