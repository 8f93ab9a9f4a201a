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
// for days that no longer change; the finished hours of today (up to 23
// hour sketches) then took two fifths. The service keeps the merged
// sketch of each run of whole days, or of finished hours, it read, for
// dayCacheTTL: a finished day's or hour's sketch is only ever written
// again with the same end users (a repeated pass), or by `answers
// analytics rebuild`, whose result a running console shows within that
// time.

const (
	dayCacheTTL = time.Minute
	maxDayCache = 1024 // merged sketches kept; the cache starts over when full
)

type dayKey struct{ span, chatbotID, from, to int64 }

type dayEntry struct {
	sketch  *hyperloglog.Sketch // never changed once cached: merges only read it
	expires time.Time
}

type dayCache struct {
	mu sync.Mutex
	m  map[dayKey]dayEntry
	// estimates holds the counts of end users of whole sketched ranges
	// (a previous period, say), by chatbot and range: estimating a merged
	// sketch (16,384 registers, a power of two each) cost more than
	// merging it.
	estimates map[dayKey]estimate
}

type estimate struct {
	n       int64
	expires time.Time
}

// sketchedEstimate is the number of end users of [from, to), all of it
// sketched, of chatbotID: from the cache, or counted by count and kept
// for dayCacheTTL.
func (s *Service) sketchedEstimate(chatbotID, from, to int64, count func() (int64, error)) (int64, error) {
	k, now := dayKey{0, chatbotID, from, to}, time.Now()
	s.days.mu.Lock()
	e, ok := s.days.estimates[k]
	s.days.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.n, nil
	}
	n, err := count()
	if err != nil {
		return 0, err
	}
	s.days.mu.Lock()
	if s.days.estimates == nil || len(s.days.estimates) >= maxDayCache {
		s.days.estimates = map[dayKey]estimate{}
	}
	s.days.estimates[k] = estimate{n: n, expires: now.Add(dayCacheTTL)}
	s.days.mu.Unlock()
	return n, nil
}

// mergeDays merges the day sketches of [from, to) (whole days, sketched
// already) into into.
func (s *Service) mergeDays(ctx context.Context, into *hyperloglog.Sketch, chatbotID, from, to int64) error {
	return s.mergeRun(ctx, into, store.SpanDay, chatbotID, from, to)
}

// mergeRun merges the sketches of span (store.SpanDay or SpanHour) of
// [from, to), finished and sketched already, into into.
func (s *Service) mergeRun(ctx context.Context, into *hyperloglog.Sketch, span int, chatbotID, from, to int64) error {
	if from >= to {
		return nil
	}
	k, now := dayKey{int64(span), chatbotID, from, to}, time.Now()
	s.days.mu.Lock()
	e, ok := s.days.m[k]
	s.days.mu.Unlock()
	if !ok || now.After(e.expires) {
		sk := hyperloglog.New14()
		if err := s.Store.EndUserSketches(ctx, chatbotID, span, from, to, mergeInto(sk)); err != nil {
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
