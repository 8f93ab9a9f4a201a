package analytics

import (
	"context"
	"strconv"
	"time"

	"github.com/axiomhq/hyperloglog"

	"github.com/answers-console/answers/internal/store"
)

// Unique end users cannot be added up across hours, and counting them
// exactly over a month of a busy console means reading every session. So
// each finished hour and each finished UTC day keeps a HyperLogLog sketch
// (precision 14: about 0.8% standard error, exact in practice for small
// counts) of the end users who opened a session then, per chatbot and over
// all. A range merges the day sketches inside it, hour sketches at its
// edges, and reads the sessions of the hours not sketched yet.

// sketchLag is how long after an hour ends its sketch is written, so that
// transactions that began in the hour have committed.
const sketchLag = 2 * time.Minute

// endUserKey identifies an end user: an address is unique per sender.
func endUserKey(o store.SessionOpener) []byte {
	b := strconv.AppendInt(make([]byte, 0, 24+len(o.EndUser)), o.SenderID, 10)
	b = append(b, 0)
	return append(b, o.EndUser...)
}

// sketches holds sketches by chatbot (0: all chatbots).
type sketches map[int64]*hyperloglog.Sketch

func (s sketches) insert(chatbotID int64, key []byte) {
	sk := s[chatbotID]
	if sk == nil {
		sk = hyperloglog.New14()
		s[chatbotID] = sk
	}
	sk.Insert(key)
}

// SketchEndUsers writes the sketches of every hour and day that has ended
// since the last pass, a day per transaction, and moves the watermark with
// them. Repeating a pass (after a crash, or two at once) writes the same
// sketches again: it never counts an end user twice.
func (s *Service) SketchEndUsers(ctx context.Context) error {
	cutoff := s.now().Add(-sketchLag)
	until := store.Hour(cutoff) // hours before this one are over
	from, ok, err := s.Store.SketchedUntil(ctx)
	if err != nil {
		return err
	}
	if !ok {
		first, any, err := s.Store.FirstSessionHour(ctx)
		if err != nil {
			return err
		}
		from = until
		if any {
			from = min(first, until)
		}
	}
	for from < until {
		day := from / 24
		end := min((day+1)*24, until)
		if err := s.sketchHours(ctx, day, from, end); err != nil {
			return err
		}
		from = end
	}
	if !ok {
		if err := s.Store.InTx(ctx, func(tx *store.Tx) error { return tx.SetSketchedUntil(ctx, until) }); err != nil {
			return err
		}
	}
	return s.sketchPartial(ctx, until, cutoff)
}

// sketchPartial writes the sketch of the hour that is not over yet, up to
// cutoff, so that a page reads only the sessions of the last minute or two
// (a busy hour holds a hundred thousand). The hour's final sketch replaces
// it once the hour is over.
func (s *Service) sketchPartial(ctx context.Context, hour int64, cutoff time.Time) error {
	partial := sketches{}
	err := s.Store.SessionOpeners(ctx, 0, store.HourTime(hour), cutoff, func(o store.SessionOpener) error {
		key := endUserKey(o)
		partial.insert(o.ChatbotID, key)
		partial.insert(0, key)
		return nil
	})
	if err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		for id, sk := range partial {
			b, err := sk.MarshalBinary()
			if err != nil {
				return err
			}
			if err := tx.PutEndUserSketch(ctx, id, store.SpanHour, hour, b); err != nil {
				return err
			}
		}
		return tx.SetPartialUntil(ctx, cutoff)
	})
}

// sketchHours writes the hour sketches of [from, end) within one UTC day,
// and the day's sketch when end closes the day.
func (s *Service) sketchHours(ctx context.Context, day, from, end int64) error {
	dayDone := end == (day+1)*24
	read := from
	if dayDone {
		read = day * 24 // the day sketch needs the whole day
	}
	hours := map[int64]sketches{}
	daily := sketches{}
	err := s.Store.SessionOpeners(ctx, 0, store.HourTime(read), store.HourTime(end), func(o store.SessionOpener) error {
		key := endUserKey(o)
		h := hours[o.Hour]
		if h == nil {
			h = sketches{}
			hours[o.Hour] = h
		}
		h.insert(o.ChatbotID, key)
		h.insert(0, key)
		if dayDone {
			daily.insert(o.ChatbotID, key)
			daily.insert(0, key)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		put := func(span int, hour int64, sks sketches) error {
			for id, sk := range sks {
				b, err := sk.MarshalBinary()
				if err != nil {
					return err
				}
				if err := tx.PutEndUserSketch(ctx, id, span, hour, b); err != nil {
					return err
				}
			}
			return nil
		}
		for h, sks := range hours {
			if h >= from {
				if err := put(store.SpanHour, h, sks); err != nil {
					return err
				}
			}
		}
		if dayDone {
			if err := put(store.SpanDay, day*24, daily); err != nil {
				return err
			}
		}
		return tx.SetSketchedUntil(ctx, end)
	})
}

// uniqueEndUsers estimates the end users who opened a session in the hours
// [from, to) on a chatbot (0: all), or on one of its releases (counted
// from the sessions themselves: releases have no sketches).
func (s *Service) uniqueEndUsers(ctx context.Context, chatbotID, releaseID, from, to int64) (int64, error) {
	total := hyperloglog.New14()
	live := store.HourTime(from)
	if releaseID == 0 {
		until, _, err := s.Store.SketchedUntil(ctx)
		if err != nil {
			return 0, err
		}
		if to <= until {
			// All of it is sketched (a previous period, say).
			return s.sketchedEstimate(chatbotID, from, to, func() (int64, error) {
				err := s.mergeSketches(ctx, total, chatbotID, from, to)
				return int64(total.Estimate()), err
			})
		}
		done := min(to, until)
		if err := s.mergeSketches(ctx, total, chatbotID, from, done); err != nil {
			return 0, err
		}
		live = store.HourTime(max(from, done))
		// The unfinished hour: its sketch so far, then the sessions since.
		partial, ok, err := s.Store.PartialUntil(ctx)
		if err != nil {
			return 0, err
		}
		if ok && until >= from && until < to && store.Hour(partial) == until && done == until {
			if err := s.Store.EndUserSketches(ctx, chatbotID, store.SpanHour, until, until+1, mergeInto(total)); err != nil {
				return 0, err
			}
			live = partial
		}
	}
	if end := store.HourTime(to); live.Before(end) {
		err := s.Store.SessionOpeners(ctx, chatbotID, live, end, func(o store.SessionOpener) error {
			if releaseID == 0 || o.ReleaseID == releaseID {
				total.Insert(endUserKey(o))
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return int64(total.Estimate()), nil
}

// mergeSketches merges the stored sketches covering [from, to): whole UTC
// days from their day sketch, the hours around them from hour sketches.
func (s *Service) mergeSketches(ctx context.Context, into *hyperloglog.Sketch, chatbotID, from, to int64) error {
	if from >= to {
		return nil
	}
	firstDay := (from + 23) / 24 * 24 // first day boundary at or after from
	lastDay := to / 24 * 24           // last day boundary at or before to
	if firstDay >= lastDay {
		return s.mergeRun(ctx, into, store.SpanHour, chatbotID, from, to)
	}
	if err := s.mergeRun(ctx, into, store.SpanHour, chatbotID, from, firstDay); err != nil {
		return err
	}
	if err := s.mergeDays(ctx, into, chatbotID, firstDay, lastDay); err != nil {
		return err
	}
	return s.mergeRun(ctx, into, store.SpanHour, chatbotID, lastDay, to)
}

// mergeInto returns a function that merges a stored sketch into into.
func mergeInto(into *hyperloglog.Sketch) func([]byte) error {
	return func(b []byte) error {
		var sk hyperloglog.Sketch
		if err := sk.UnmarshalBinary(b); err != nil {
			return err
		}
		return into.Merge(&sk)
	}
}
