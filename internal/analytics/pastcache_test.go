package analytics

import (
	"context"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/store"
)

// The hours of a range that are over are read once and then kept, until
// the entry expires; the hour under way is read every time; another range
// is read on its own.
func TestHoursKeepWhatIsOver(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	hour := int64(490000)
	at := func(h int64) time.Time { return time.Unix(h*3600, 0).UTC() }
	add := func(h int64, inbound int) {
		t.Helper()
		if err := st.InTx(ctx, func(tx *store.Tx) error {
			tx.CountTraffic(store.Traffic{ChatbotID: 7, ReleaseID: 1, At: at(h).Add(time.Minute), Inbound: inbound})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	s := New(st)
	s.Now = func() time.Time { return at(hour + 10).Add(30 * time.Minute) } // hour+10 is under way
	inbound := func(from, to int64) int64 {
		t.Helper()
		hours, err := s.hours(ctx, store.RollupRange{ChatbotID: 7, From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		var c store.Counts
		for i, h := range hours {
			if i > 0 && h.Hour <= hours[i-1].Hour {
				t.Fatalf("hours out of order: %+v", hours)
			}
			c.Add(h.Counts)
		}
		return c.Inbound
	}
	add(hour, 2)
	add(hour+5, 3)
	add(hour+10, 1)
	if n := inbound(hour, hour+24); n != 6 {
		t.Fatalf("the range: %d inbound, want 6", n)
	}
	add(hour+6, 4)  // a late close dated back into an hour that is over, say
	add(hour+10, 1) // the hour under way
	if n := inbound(hour, hour+24); n != 7 {
		t.Fatalf("the same range again: %d inbound, want 7 (the hours over kept, the hour under way read)", n)
	}
	if n := inbound(hour+1, hour+24); n != 9 {
		t.Fatalf("another range: %d inbound, want 9 (read now)", n)
	}
	s.past.expireAll()
	if n := inbound(hour, hour+24); n != 11 {
		t.Fatalf("after the entry expired: %d inbound, want 11", n)
	}
}
