package analytics

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // viewers' time zones, whatever the host has installed

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
)

// Range presets.
const (
	RangeToday   = "today"
	Range7Days   = "7d"
	Range30Days  = "30d"
	Range90Days  = "90d"
	RangeRelease = "release" // since the chatbot's latest release
	RangeCustom  = "custom"
)

// MaxDays is the longest range.
const MaxDays = 366

var presetDays = map[string]int{RangeToday: 1, Range7Days: 7, Range30Days: 30, Range90Days: 90}

// Input is the analytics query as a person wrote it (URL parameters).
type Input struct {
	Chatbot string // id, or empty for all chatbots
	Release string // release id of that chatbot, or empty
	Range   string // a preset, or custom with From and To
	From    string // YYYY-MM-DD, first day
	To      string // YYYY-MM-DD, last day
	TZ      string // IANA zone, e.g. Europe/Berlin; empty for UTC
}

// Query is a checked analytics query: whole days From..To (inclusive) in
// Loc, for one chatbot (or all) and optionally one of its releases.
type Query struct {
	ChatbotID int64
	ReleaseID int64
	Range     string
	From, To  time.Time // midnight of the first and the last day, in Loc
	Loc       *time.Location
}

// Span is the range as instants: [start, end).
func (q Query) Span() (time.Time, time.Time) { return q.From, q.To.AddDate(0, 0, 1) }

// Days is how many days the range has.
func (q Query) Days() int { return daysBetween(q.From, q.To) + 1 }

// Hours is the range as rollup hours [from, to): the hours that start in it.
func (q Query) Hours() (int64, int64) {
	start, end := q.Span()
	return ceilHour(start), ceilHour(end)
}

func ceilHour(t time.Time) int64 { return (t.Unix() + 3599) / 3600 }

// Previous is the period of as many days just before the range.
func (q Query) Previous() Query {
	p := q
	p.To = q.From.AddDate(0, 0, -1)
	p.From = q.From.AddDate(0, 0, -q.Days())
	return p
}

// Values is the query as URL parameters, for links and exports.
func (q Query) Values() url.Values {
	v := url.Values{}
	if q.ChatbotID != 0 {
		v.Set("chatbot", strconv.FormatInt(q.ChatbotID, 10))
	}
	if q.ReleaseID != 0 {
		v.Set("release", strconv.FormatInt(q.ReleaseID, 10))
	}
	v.Set("range", q.Range)
	if q.Range == RangeCustom {
		v.Set("from", q.From.Format(time.DateOnly))
		v.Set("to", q.To.Format(time.DateOnly))
	}
	v.Set("tz", q.Loc.String())
	return v
}

// daysBetween counts calendar days from a to b (both midnights, one zone).
func daysBetween(a, b time.Time) int {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	ua := time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)
	ub := time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua).Hours() / 24)
}

func midnight(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// ParseQuery checks a query; every refusal names its field.
func (s *Service) ParseQuery(ctx context.Context, in Input) (Query, error) {
	q := Query{Range: strings.TrimSpace(in.Range), Loc: time.UTC}
	if tz := strings.TrimSpace(in.TZ); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			return q, problem.Field("tz", "Unknown time zone %q: use a name such as Europe/Berlin.", tz)
		}
		q.Loc = loc
	}
	var err error
	if q.ChatbotID, err = optionalID("chatbot", in.Chatbot); err != nil {
		return q, err
	}
	if q.ReleaseID, err = optionalID("release", in.Release); err != nil {
		return q, err
	}
	if q.ReleaseID != 0 && q.ChatbotID == 0 {
		return q, problem.Field("release", "Choose a chatbot before one of its releases.")
	}
	today := midnight(s.now(), q.Loc)
	if q.Range == "" {
		q.Range = Range30Days
		if in.From != "" || in.To != "" {
			q.Range = RangeCustom
		}
	}
	switch q.Range {
	case RangeCustom:
		if q.From, err = parseDay("from", in.From, q.Loc); err != nil {
			return q, err
		}
		if q.To, err = parseDay("to", in.To, q.Loc); err != nil {
			return q, err
		}
		if q.To.Before(q.From) {
			return q, problem.Field("to", "The last day is before the first day.")
		}
		if q.Days() > MaxDays {
			return q, problem.Field("from", "A range is at most %d days.", MaxDays)
		}
	case RangeRelease:
		if q.ChatbotID == 0 {
			return q, problem.Field("range", "\"Since the last release\" needs a chatbot: choose one first.")
		}
		rel, err := s.Store.LatestRelease(ctx, q.ChatbotID)
		if errors.Is(err, store.ErrNotFound) {
			return q, problem.Field("range", "This chatbot has never been activated, so it has no release yet.")
		} else if err != nil {
			return q, err
		}
		q.From, q.To = midnight(rel.ActivatedAt, q.Loc), today
		if q.Days() > MaxDays {
			q.From = today.AddDate(0, 0, 1-MaxDays)
		}
	default:
		n, ok := presetDays[q.Range]
		if !ok {
			return q, problem.Field("range", "Unknown range %q: use today, 7d, 30d, 90d, release or custom.", q.Range)
		}
		q.From, q.To = today.AddDate(0, 0, 1-n), today
	}
	return q, nil
}

func optionalID(field, v string) (int64, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, problem.Field(field, "%q is not an id.", v)
	}
	return id, nil
}

func parseDay(field, v string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(v), loc)
	if err != nil {
		return t, problem.Field(field, "Write the %s day as YYYY-MM-DD.", map[string]string{"from": "first", "to": "last"}[field])
	}
	if t.Year() < 2000 || t.Year() > 2200 {
		return t, problem.Field(field, "%s is out of range.", v)
	}
	return t, nil
}
