package bench

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var s []time.Duration
	for i := 1; i <= 100; i++ {
		s = append(s, time.Duration(i))
	}
	for p, want := range map[float64]time.Duration{50: 50, 99: 99, 100: 100, 1: 1} {
		if got := Percentile(s, p); got != want {
			t.Errorf("p%v = %d, want %d", p, got, want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("empty")
	}
}

func TestRun(t *testing.T) {
	var calls atomic.Int64
	r := Run(context.Background(), 4, 100, 0, func(_ context.Context, w, i int) error {
		calls.Add(1)
		if i%10 == 0 {
			return errors.New("boom")
		}
		return nil
	})
	if calls.Load() != 100 || len(r.Latencies) != 90 || r.Errors != 10 || r.FirstErr == nil {
		t.Errorf("%d calls, %d ok, %d errors", calls.Load(), len(r.Latencies), r.Errors)
	}
	r = Run(context.Background(), 2, 0, 50*time.Millisecond, func(ctx context.Context, w, i int) error {
		time.Sleep(time.Millisecond)
		return nil
	})
	if r.Errors != 0 || len(r.Latencies) == 0 || r.Elapsed < 50*time.Millisecond {
		t.Errorf("timed run: %+v", r.Stat())
	}
}
