package analytics

import (
	"context"
	"testing"

	"github.com/axiomhq/hyperloglog"

	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testdb"
)

// A run of whole days is read once and then merged from memory, until the
// entry expires; another run, or another chatbot, is read on its own.
func TestMergeDaysKeepsWhatItRead(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	day := int64(490000 / 24 * 24)
	put := func(chatbot, hour int64, users ...string) {
		sk := hyperloglog.New14()
		for _, u := range users {
			sk.Insert([]byte(u))
		}
		b, err := sk.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.PutEndUserSketch(ctx, chatbot, store.SpanDay, hour, b) }); err != nil {
			t.Fatal(err)
		}
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
	for k, e := range s.days.m {
		e.expires = e.expires.Add(-2 * dayCacheTTL)
		s.days.m[k] = e
	}
	if n := count(1, day, day+48); n != 5 {
		t.Fatalf("after the entry expired: %d end users, want 5", n)
	}
	if n := count(2, day, day+48); n != 0 {
		t.Fatalf("a chatbot without sketches: %d end users", n)
	}
}
