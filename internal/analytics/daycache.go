package analytics

import (
	"context"
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

// sketchedEstimate is the number of end users of [from, to), all of it
// sketched, of chatbotID: kept, or counted by count and kept for
// dayCacheTTL. Estimating a merged sketch (16,384 registers, a power of
// two each) cost more than merging it.
func (s *Service) sketchedEstimate(chatbotID, from, to int64, count func() (int64, error)) (int64, error) {
	return s.estimates.get(dayKey{0, chatbotID, from, to}, count)
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
	sk, err := s.days.get(dayKey{int64(span), chatbotID, from, to}, func() (*hyperloglog.Sketch, error) {
		sk := hyperloglog.New14()
		// The merged sketch is never changed once kept: merges only read it.
		return sk, s.Store.EndUserSketches(ctx, chatbotID, span, from, to, mergeInto(sk))
	})
	if err != nil {
		return err
	}
	return into.Merge(sk)
}
