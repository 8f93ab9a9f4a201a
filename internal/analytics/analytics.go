// Package analytics answers "how are the chatbots doing?" from the rollups
// the runtime keeps as traffic flows (see store.CountTraffic and the
// session-closing statements): sessions, unique end users, messages,
// session length, close reasons, fallback rate and entries per dialog, for
// a range of days in the viewer's time zone, against the period before.
//
// Rollups are UTC hours. A day in the viewer's zone is the hours that start
// in it, so days of 23 and 25 hours (daylight saving) come out right; in
// zones whose offset is not whole hours a day's edges snap to the hour.
package analytics

import (
	"context"
	"errors"
	"time"

	"github.com/axiomhq/hyperloglog"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// Service reads and rebuilds the analytics.
type Service struct {
	Store *store.Store
	Now   func() time.Time
	// What the service keeps between reports: merged runs of sketches
	// and the counts of wholly sketched ranges (daycache.go), the rollups
	// of hours that are over (pastcache.go), dialog names (names.go).
	days      *kept[dayKey, *hyperloglog.Sketch]
	estimates *kept[dayKey, int64]
	past      *kept[store.RollupRange, []store.HourCounts]
	names     *kept[namesKey, []dialogName]
}

// New makes the service.
func New(st *store.Store) *Service {
	return &Service{Store: st, Now: time.Now,
		days:      &kept[dayKey, *hyperloglog.Sketch]{ttl: dayCacheTTL, max: maxDayCache},
		estimates: &kept[dayKey, int64]{ttl: dayCacheTTL, max: maxDayCache},
		past:      &kept[store.RollupRange, []store.HourCounts]{ttl: pastCacheTTL, max: maxPastRows, weigh: func(h []store.HourCounts) int { return len(h) }},
		names:     &kept[namesKey, []dialogName]{max: maxNames, weigh: func(n []dialogName) int { return len(n) }},
	}
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// Totals are the numbers of a period.
type Totals struct {
	store.Counts
	EndUsers int64
}

// AvgSessionLength is the mean length of the sessions closed in the
// period, from their first to their last message.
func (t Totals) AvgSessionLength() time.Duration {
	n := t.ClosedTotal()
	if n == 0 {
		return 0
	}
	return time.Duration(t.SessionSeconds/n) * time.Second
}

// HasRate reports whether FallbackRate means anything: a period without
// inbound messages has no fallback rate (not a rate of zero).
func (t Totals) HasRate() bool { return t.Inbound > 0 }

// HasLength reports whether AvgSessionLength means anything: it is over
// the sessions that closed.
func (t Totals) HasLength() bool { return t.ClosedTotal() > 0 }

// FallbackRate is the share of inbound messages that hit the fallback (0
// when there were none: see HasRate).
func (t Totals) FallbackRate() float64 {
	if t.Inbound == 0 {
		return 0
	}
	return float64(t.FallbackHits) / float64(t.Inbound)
}

// Bucket is one point of the charts: a day, or an hour for short ranges.
type Bucket struct {
	Start time.Time // in the query's zone
	// Partial: the bucket is under way (now falls in it), so its numbers
	// are so far, not a drop.
	Partial bool
	store.Counts
}

// Dialog is one row of the per-dialog table.
type Dialog struct {
	store.DialogCounts
	Name    string
	Removed bool // no longer in the chatbot's definition
}

// Report is everything the analytics page shows.
type Report struct {
	Query    Query
	Chatbot  store.Chatbot // zero for all chatbots
	Current  Totals
	Previous Totals
	Hourly   bool // buckets are hours (ranges of up to two days)
	Buckets  []Bucket
	Dialogs  []Dialog        // one chatbot only
	Releases []store.Release // activations of the chatbot within the range
	// PreviousCut: the range is under way, so Previous covers only as many
	// hours from its start as the range has had so far.
	PreviousCut bool
}

// Report builds the report for q.
func (s *Service) Report(ctx context.Context, a who.Actor, q Query) (Report, error) {
	if err := a.Require(rbac.ViewAnalytics, "view analytics"); err != nil {
		return Report{}, err
	}
	r := Report{Query: q}
	if q.ChatbotID != 0 {
		bot, err := s.Store.ChatbotByID(ctx, q.ChatbotID)
		if errors.Is(err, store.ErrNotFound) {
			return r, problem.Field("chatbot", "There is no chatbot with the id %d.", q.ChatbotID)
		} else if err != nil {
			return r, err
		}
		r.Chatbot = bot
	}
	var releases []store.Release
	if q.ChatbotID != 0 {
		var err error
		if releases, err = s.Store.Releases(ctx, q.ChatbotID); err != nil {
			return r, err
		}
	}
	if q.ReleaseID != 0 && !hasRelease(releases, q.ReleaseID) {
		return r, problem.Field("release", "That release is not one of %s's.", r.Chatbot.Name)
	}
	from, to := q.Hours()
	cur := store.RollupRange{ChatbotID: q.ChatbotID, ReleaseID: q.ReleaseID, From: from, To: to}
	hours, err := s.hours(ctx, cur)
	if err != nil {
		return r, err
	}
	r.Hourly = q.Days() <= 2
	r.Buckets = bucketize(hours, q, r.Hourly, s.now())
	for _, h := range hours {
		r.Current.Add(h.Counts)
	}
	if r.Current.EndUsers, err = s.uniqueEndUsers(ctx, q.ChatbotID, q.ReleaseID, from, to); err != nil {
		return r, err
	}
	pq := q.Previous()
	pfrom, pto := pq.Hours()
	// A range under way is compared with as much of the previous period,
	// to the hour: today until 10:xx against yesterday until 11:00, not
	// against all of yesterday, which would read as a drop.
	if next := store.Hour(s.now()) + 1; next > from && next < to {
		pto = min(pto, pfrom+(next-from))
		r.PreviousCut = true
	}
	prev, err := s.hours(ctx, store.RollupRange{ChatbotID: q.ChatbotID, ReleaseID: q.ReleaseID, From: pfrom, To: pto})
	if err != nil {
		return r, err
	}
	for _, h := range prev {
		r.Previous.Add(h.Counts)
	}
	if r.Previous.EndUsers, err = s.uniqueEndUsers(ctx, q.ChatbotID, q.ReleaseID, pfrom, pto); err != nil {
		return r, err
	}
	if q.ChatbotID == 0 {
		return r, nil
	}
	start, end := q.Span()
	for _, rel := range releases {
		if !rel.ActivatedAt.Before(start) && rel.ActivatedAt.Before(end) {
			r.Releases = append(r.Releases, rel)
		}
	}
	counts, err := s.Store.RollupDialogs(ctx, cur)
	if err != nil {
		return r, err
	}
	r.Dialogs = s.nameDialogs(counts, r.Chatbot, releases)
	return r, nil
}

func hasRelease(rs []store.Release, id int64) bool {
	for _, r := range rs {
		if r.ID == id {
			return true
		}
	}
	return false
}

// bucketize adds the hours up into the days (or hours) of the range, in
// order, with empty buckets for quiet days; the range stops at now, so a
// chart never draws the future as zeros.
func bucketize(hours []store.HourCounts, q Query, hourly bool, now time.Time) []Bucket {
	start, end := q.Span()
	var out []Bucket
	for t := start; t.Before(end) && !t.After(now); {
		next := t.AddDate(0, 0, 1)
		if hourly {
			next = t.Add(time.Hour)
		}
		out = append(out, Bucket{Start: t, Partial: next.After(now)})
		t = next
	}
	i := 0
	for _, h := range hours {
		at := store.HourTime(h.Hour)
		for i+1 < len(out) && !at.Before(out[i+1].Start) {
			i++
		}
		if i < len(out) {
			out[i].Add(h.Counts)
		}
	}
	return out
}

// nameDialogs names each dialog as the chatbot's definition does now, or
// as the newest release that had it, so renamed and deleted dialogs keep
// their history.
func (s *Service) nameDialogs(counts []store.DialogCounts, bot store.Chatbot, releases []store.Release) []Dialog {
	names := map[string]string{}
	current := map[string]bool{}
	for _, d := range s.dialogs(namesKey{chatbotID: bot.ID, version: bot.Version}, bot.Definition) {
		names[d.id], current[d.id] = d.name, true
	}
	for _, rel := range releases { // newest first
		for _, d := range s.dialogs(namesKey{releaseID: rel.ID}, rel.Definition) {
			if _, ok := names[d.id]; !ok {
				names[d.id] = d.name
			}
		}
	}
	out := make([]Dialog, 0, len(counts))
	for _, c := range counts {
		name := names[c.DialogID]
		if name == "" {
			name = c.DialogID
		}
		out = append(out, Dialog{DialogCounts: c, Name: name, Removed: !current[c.DialogID]})
	}
	return out
}

// Rebuild recounts every rollup from the sessions and transcripts, and
// writes the end-user sketches again.
func (s *Service) Rebuild(ctx context.Context) error {
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.RebuildRollups(ctx); err != nil {
			return err
		}
		return tx.ResetEndUserSketches(ctx)
	})
	if err != nil {
		return err
	}
	return s.SketchEndUsers(ctx)
}
