package analytics

import (
	"context"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testdb"
)

// A previous period's totals are read once and then kept, until the entry
// expires; another period is read on its own.
func TestPreviousCountsKeptForAWhile(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	hour := int64(490000)
	add := func(h int64, inbound int) {
		t.Helper()
		if err := st.InTx(ctx, func(tx *store.Tx) error {
			tx.CountTraffic(store.Traffic{ChatbotID: 7, ReleaseID: 1, At: time.Unix(h*3600, 0).UTC(), Inbound: inbound})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	add(hour, 2)
	add(hour+5, 3)
	s := New(st)
	inbound := func(from, to int64) int64 {
		t.Helper()
		c, err := s.previousCounts(ctx, store.RollupRange{ChatbotID: 7, From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		return c.Inbound
	}
	if n := inbound(hour, hour+24); n != 5 {
		t.Fatalf("the period: %d inbound, want 5", n)
	}
	add(hour+6, 4) // a late close dated back into the period, say
	if n := inbound(hour, hour+24); n != 5 {
		t.Fatalf("the same period again: %d inbound, want the 5 kept", n)
	}
	if n := inbound(hour+1, hour+24); n != 7 {
		t.Fatalf("another period: %d inbound, want 7 (read now)", n)
	}
	for k, e := range s.prev.m {
		e.expires = e.expires.Add(-2 * prevCacheTTL)
		s.prev.m[k] = e
	}
	if n := inbound(hour, hour+24); n != 9 {
		t.Fatalf("after the entry expired: %d inbound, want 9", n)
	}
}
