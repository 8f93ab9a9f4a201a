package ratelimit

import (
	"testing"
	"time"
)

func fakeClock(l *Limiter) *time.Time {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	l.Now = func() time.Time { return now }
	return &now
}

func TestBurstThenRefusedWithWait(t *testing.T) {
	l := New(2, 3, 10)
	now := fakeClock(l)
	for i := range 3 {
		if ok, _ := l.Allow(1); !ok {
			t.Fatalf("event %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow(1)
	if ok || wait <= 0 || wait > 500*time.Millisecond {
		t.Fatalf("4th event: ok=%v wait=%v, want refused with a wait of at most 500ms", ok, wait)
	}
	// A refused event takes nothing: after the wait, one more is allowed.
	*now = now.Add(wait)
	if ok, _ := l.Allow(1); !ok {
		t.Fatal("refused after waiting as told")
	}
	if ok, _ := l.Allow(1); ok {
		t.Fatal("allowed twice after one refill")
	}
	// Another key has its own bucket.
	if ok, _ := l.Allow(2); !ok {
		t.Fatal("key 2 refused because of key 1")
	}
}

func TestNilLimiterAllowsEverything(t *testing.T) {
	l := New(0, 10, 10) // a nil *Limiter
	if l != nil {
		t.Fatal("a rate of 0 should mean no limit")
	}
	for range 1000 {
		if ok, _ := l.Allow(1); !ok {
			t.Fatal("nil limiter refused")
		}
	}
}

func TestMemoryIsBounded(t *testing.T) {
	l := New(1, 1, 100)
	fakeClock(l) // a still clock: no bucket refills during the flood
	// A flood of distinct keys, each spending its whole bucket.
	for k := range int64(10_000) {
		l.Allow(k)
		if n := l.Len(); n > 100 {
			t.Fatalf("%d keys remembered, limit 100", n)
		}
	}
	// Keys whose buckets have refilled are forgotten, the others kept.
	l = New(1, 1, 100)
	now := fakeClock(l)
	for k := range int64(99) {
		l.Allow(k)
	}
	*now = now.Add(2 * time.Second) // all refilled
	l.Allow(500)                    // busy
	l.Allow(501)                    // the 101st key: prune
	if n := l.Len(); n != 2 {
		t.Fatalf("%d keys remembered after pruning, want the 2 busy ones", n)
	}
}
