package analytics

import (
	"context"
	"slices"
	"time"

	"github.com/answers-console/answers/internal/store"
)

// An hour's rollups change while it is under way; once it is over they
// are written again only by a late close dated back into it (a timeout,
// dated at the session's expiry) or by `answers analytics rebuild`.
// Reading the 720 hours of a month again on every view was most of an
// analytics page's time at 10,000 chatbots (all chatbots: twice 720 rows,
// the range and the one before it), so the service keeps the hours of a
// range that are over for pastCacheTTL, the staleness the day sketches
// already allow, and reads the hour under way on every view.

const (
	pastCacheTTL = time.Minute
	// maxPastRows bounds the hours kept (about 150 bytes each); the cache
	// starts over when full.
	maxPastRows = 200_000
)

// hours returns the rollups of each hour of rr that had any, in order:
// the hours that are over from the cache, the rest read now.
func (s *Service) hours(ctx context.Context, rr store.RollupRange) ([]store.HourCounts, error) {
	under := store.Hour(s.now()) // the hour under way
	past, live := rr, rr
	past.To, live.From = min(rr.To, under), max(rr.From, under)
	var out []store.HourCounts
	if past.From < past.To {
		h, err := s.past.get(past, func() ([]store.HourCounts, error) {
			hours, err := s.Store.RollupHours(ctx, past)
			return slices.Clip(hours), err
		})
		if err != nil {
			return nil, err
		}
		out = h
	}
	if live.From < live.To {
		h, err := s.Store.RollupHours(ctx, live)
		if err != nil {
			return nil, err
		}
		out = slices.Concat(out, h) // a new slice: the cached one is shared
	}
	return out, nil
}
