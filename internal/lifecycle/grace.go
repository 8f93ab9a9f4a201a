package lifecycle

import (
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/answers-console/answers/internal/plural"
	"github.com/answers-console/answers/internal/problem"
)

// Grace is a grace period as a request stated it. Its zero value is "not
// stated": a transition that would close open sessions refuses it with
// CodeNeedsGraceChoice (SPEC §3 "Safe defaults"), so closing live
// conversations is never what happens by leaving a field out.
type Grace struct {
	d      time.Duration
	stated bool
}

// GraceOf is a grace period the caller chose; GraceOf(0) closes the
// sessions now, on purpose.
func GraceOf(d time.Duration) Grace { return Grace{d: d, stated: true} }

// Duration is the grace period (0 when none or not stated).
func (g Grace) Duration() time.Duration { return g.d }

// Stated says whether the caller chose the grace period.
func (g Grace) Stated() bool { return g.stated }

// CheckGrace says what is wrong with a grace period, or nil.
func CheckGrace(d time.Duration) error {
	if d < 0 || d > MaxGrace {
		return problem.Field("grace", "A grace period is between none and 30 days.")
	}
	return nil
}

// needChoice refuses to close open sessions of name without a stated
// grace period.
func needChoice(g Grace, name string, open int) error {
	if g.stated || open == 0 {
		return nil
	}
	const hint = "Choose a grace period for them, or state none (0) to close them now."
	return &problem.Error{Kind: problem.Conflict, Code: CodeNeedsGraceChoice,
		Details: map[string]any{"open_sessions": open},
		Message: name + " has " + plural.Count(open, "open session") + ". " + hint, Hint: hint}
}

// graceUnits are the units a grace period may be written in.
var graceUnits = map[string]time.Duration{
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
}

// ParseGrace reads a grace period as people write it: one or more numbers
// each with a unit (90s, 15m, "15 min", "15 minutes", 1h30m, "2 days",
// "1 hour 30 minutes"); "", "none" and "0" are no grace.
func ParseGrace(s string) (time.Duration, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || s == "none" || s == "0" {
		return 0, nil
	}
	bad := problem.Field("grace", "Write a grace period as whole numbers with units, such as 90s, 15 minutes, 1h30m (not 1.5h) or 2 days, at most 30 days.")
	var total time.Duration
	rest := strings.ReplaceAll(s, ",", " ")
	parts := 0
	for {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		rest = strings.TrimPrefix(rest, "and ")
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		if rest == "" {
			break
		}
		i := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
		if i <= 0 {
			return 0, bad // a unit without a number, or a sign or decimal point
		}
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil {
			return 0, CheckGrace(MaxGrace + 1) // too many digits
		}
		rest = strings.TrimLeftFunc(rest[i:], unicode.IsSpace)
		j := strings.IndexFunc(rest, func(r rune) bool { return r < 'a' || r > 'z' })
		if j < 0 {
			j = len(rest)
		}
		unit, ok := graceUnits[rest[:j]]
		if !ok {
			return 0, bad // "15" alone, "5x"
		}
		rest = rest[j:]
		if n > int64(MaxGrace/unit) {
			return 0, CheckGrace(MaxGrace + 1) // check before multiplying: no overflow
		}
		total += time.Duration(n) * unit
		if total > MaxGrace {
			return 0, CheckGrace(total)
		}
		parts++
	}
	if parts == 0 {
		return 0, bad
	}
	return total, nil
}
