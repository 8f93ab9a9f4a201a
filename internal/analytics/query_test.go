package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/analytics"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/testkit"
)

func TestParseQuery(t *testing.T) {
	app := testkit.New(t)
	now := time.Date(2026, 3, 29, 22, 30, 0, 0, time.UTC) // 00:30 on Mar 30 in Berlin
	app.SetClock(func() time.Time { return now })
	svc := app.Analytics
	berlin, _ := time.LoadLocation("Europe/Berlin")
	day := func(s string, loc *time.Location) time.Time {
		t, _ := time.ParseInLocation(time.DateOnly, s, loc)
		return t
	}
	tests := []struct {
		name     string
		in       analytics.Input
		from, to time.Time
		days     int
		field    string // refused on this field
	}{
		{"default is the last 30 days, UTC", analytics.Input{}, day("2026-02-28", time.UTC), day("2026-03-29", time.UTC), 30, ""},
		{"today in the viewer's zone is already tomorrow in UTC", analytics.Input{Range: "today", TZ: "Europe/Berlin"}, day("2026-03-30", berlin), day("2026-03-30", berlin), 1, ""},
		{"7 days", analytics.Input{Range: "7d", TZ: "Europe/Berlin"}, day("2026-03-24", berlin), day("2026-03-30", berlin), 7, ""},
		{"custom", analytics.Input{Range: "custom", From: "2026-01-01", To: "2026-01-31"}, day("2026-01-01", time.UTC), day("2026-01-31", time.UTC), 31, ""},
		{"dates without a range are custom", analytics.Input{From: "2026-01-05", To: "2026-01-05"}, day("2026-01-05", time.UTC), day("2026-01-05", time.UTC), 1, ""},
		{"last day before first", analytics.Input{Range: "custom", From: "2026-02-01", To: "2026-01-31"}, time.Time{}, time.Time{}, 0, "to"},
		{"not a date", analytics.Input{Range: "custom", From: "yesterday", To: "2026-01-31"}, time.Time{}, time.Time{}, 0, "from"},
		{"too long", analytics.Input{Range: "custom", From: "2024-01-01", To: "2026-01-31"}, time.Time{}, time.Time{}, 0, "from"},
		{"unknown range", analytics.Input{Range: "forever"}, time.Time{}, time.Time{}, 0, "range"},
		{"unknown zone", analytics.Input{TZ: "Mars/Olympus"}, time.Time{}, time.Time{}, 0, "tz"},
		{"Local is not a zone", analytics.Input{TZ: "Local"}, time.Time{}, time.Time{}, 0, "tz"},
		{"chatbot not an id", analytics.Input{Chatbot: "abc"}, time.Time{}, time.Time{}, 0, "chatbot"},
		{"release without chatbot", analytics.Input{Release: "3"}, time.Time{}, time.Time{}, 0, "release"},
		{"since release without chatbot", analytics.Input{Range: "release"}, time.Time{}, time.Time{}, 0, "range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := svc.ParseQuery(context.Background(), tt.in)
			if tt.field != "" {
				p, ok := problem.As(err)
				if !ok || p.Field != tt.field || p.Message == "" {
					t.Fatalf("err = %v, want a refusal of field %q", err, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !q.From.Equal(tt.from) || !q.To.Equal(tt.to) || q.Days() != tt.days {
				t.Errorf("range %v..%v (%d days), want %v..%v (%d days)", q.From, q.To, q.Days(), tt.from, tt.to, tt.days)
			}
		})
	}
}

// TestDaylightSavingDays checks that a day in the viewer's zone is the
// hours that start in it: 23 on the spring-forward day, 25 in autumn.
func TestDaylightSavingDays(t *testing.T) {
	app := testkit.New(t)
	for _, tt := range []struct {
		tz, day string
		hours   int64
	}{
		{"Europe/Berlin", "2026-03-29", 23},
		{"Europe/Berlin", "2026-10-25", 25},
		{"America/New_York", "2026-03-08", 23},
		{"America/New_York", "2026-11-01", 25},
		{"UTC", "2026-03-29", 24},
		{"Asia/Kolkata", "2026-03-29", 24}, // +05:30: edges snap to the hour
	} {
		q, err := app.Analytics.ParseQuery(context.Background(), analytics.Input{From: tt.day, To: tt.day, TZ: tt.tz})
		if err != nil {
			t.Fatal(err)
		}
		from, to := q.Hours()
		if to-from != tt.hours {
			t.Errorf("%s %s has %d hours, want %d", tt.tz, tt.day, to-from, tt.hours)
		}
		if p := q.Previous(); p.Days() != 1 || !p.To.Before(q.From) {
			t.Errorf("%s %s: previous period %v..%v", tt.tz, tt.day, p.From, p.To)
		}
	}
}
