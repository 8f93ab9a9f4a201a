package analytics

import (
	"context"
	"sync"
	"time"

	"github.com/axiomhq/hyperloglog"

	"github.com/answers-console/answers/internal/store"
)

// Reading and merging a month of day sketches (up to 16 KiB each) was a
// sixth of an analytics page's time at 10,000 chatbots, on every view,
// for days that no longer change. The service keeps the merged sketch of
// each run of whole days it read, for dayCacheTTL: a finished day's
// sketch is only ever written again with the same end users (a repeated
// pass), or by `answers analytics rebuild`, whose result a running
// console shows within that time.

const (
	dayCacheTTL = time.Minute
	maxDayCache = 1024 // merged sketches kept; the cache starts over when full
)

type dayKey struct{ chatbotID, from, to int64 }

type dayEntry struct {
	sketch  *hyperloglog.Sketch // never changed once cached: merges only read it
	expires time.Time
}

type dayCache struct {
	mu sync.Mutex
	m  map[dayKey]dayEntry
}

// mergeDays merges the day sketches of [from, to) (whole days, sketched
// already) into into.
func (s *Service) mergeDays(ctx context.Context, into *hyperloglog.Sketch, chatbotID, from, to int64) error {
	k, now := dayKey{chatbotID, from, to}, time.Now()
	s.days.mu.Lock()
	e, ok := s.days.m[k]
	s.days.mu.Unlock()
	if !ok || now.After(e.expires) {
		sk := hyperloglog.New14()
		if err := s.Store.EndUserSketches(ctx, chatbotID, store.SpanDay, from, to, mergeInto(sk)); err != nil {
			return err
		}
		e = dayEntry{sketch: sk, expires: now.Add(dayCacheTTL)}
		s.days.mu.Lock()
		if s.days.m == nil || len(s.days.m) >= maxDayCache {
			s.days.m = map[dayKey]dayEntry{}
		}
		s.days.m[k] = e
		s.days.mu.Unlock()
	}
	return into.Merge(e.sketch)
}
