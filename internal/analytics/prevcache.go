package analytics

import (
	"context"
	"sync"
	"time"

	"github.com/answers-console/answers/internal/store"
)

// The previous period is read only for its totals, and it is over: its
// hours are written again only by a late close dated back into them (a
// timeout, dated at the session's expiry) or by `answers analytics
// rebuild`. Summing its hours was a third of an analytics page's time at
// 10,000 chatbots (all chatbots, 30 days: 720 rollup rows read again on
// every view), so the service keeps each previous period's totals for
// prevCacheTTL, the staleness the day sketches already allow.

const (
	prevCacheTTL = time.Minute
	maxPrevCache = 1024 // totals kept; the cache starts over when full
)

type prevEntry struct {
	counts  store.Counts
	expires time.Time
}

type prevCache struct {
	mu sync.Mutex
	m  map[store.RollupRange]prevEntry
}

// previousCounts sums the counts of the hours of rr, a period that is
// over.
func (s *Service) previousCounts(ctx context.Context, rr store.RollupRange) (store.Counts, error) {
	now := time.Now()
	s.prev.mu.Lock()
	e, ok := s.prev.m[rr]
	s.prev.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.counts, nil
	}
	hours, err := s.Store.RollupHours(ctx, rr)
	if err != nil {
		return store.Counts{}, err
	}
	var t store.Counts
	for _, h := range hours {
		t.Add(h.Counts)
	}
	s.prev.mu.Lock()
	if s.prev.m == nil || len(s.prev.m) >= maxPrevCache {
		s.prev.m = map[store.RollupRange]prevEntry{}
	}
	s.prev.m[rr] = prevEntry{counts: t, expires: now.Add(prevCacheTTL)}
	s.prev.mu.Unlock()
	return t, nil
}
