package chatbot

import (
	"cmp"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// checkAnswer checks an end user's answer against an attribute type and
// returns the value to store. An unknown type is treated as text.
func checkAnswer(typ, input string) (string, bool) {
	s := strings.TrimSpace(input)
	switch typ {
	case AttributeNumber:
		f, ok := parseNumber(s)
		if !ok {
			return "", false
		}
		return formatNumber(f), true
	case AttributeEmail:
		return parseEmail(s)
	case AttributePhone:
		return parsePhone(s)
	case AttributeDate:
		t, ok := parseDate(s)
		if !ok {
			return "", false
		}
		return t.Format(time.DateOnly), true
	case AttributeYesNo:
		return parseYesNo(s)
	}
	return s, s != ""
}

// numberRE is a plain decimal, optionally with an exponent: no hex, no
// underscores, no Inf or NaN, which strconv.ParseFloat would take.
var numberRE = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// parseNumber reads a number; a decimal comma ("3,5") is read as a point.
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, ".") && strings.Count(s, ",") == 1 {
		s = strings.Replace(s, ",", ".", 1)
	}
	if !numberRE.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// formatNumber writes a number as a plain decimal ("3.5", "1000"), with an
// exponent only when it is huge.
func formatNumber(f float64) string {
	if f == 0 {
		return "0" // not "-0"
	}
	if f >= 1e21 || f <= -1e21 {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// parseEmail accepts a bare address (no display name, no angle brackets)
// whose domain has a dot, and lower-cases the domain.
func parseEmail(s string) (string, bool) {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", false
	}
	return s[:at+1] + strings.ToLower(domain), true
}

// parsePhone accepts digits, spaces, -, ( and ), and + at the start, with
// at least 6 digits; it keeps the + and the digits.
func parsePhone(s string) (string, bool) {
	var b strings.Builder
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	if digits < 6 {
		return "", false
	}
	return b.String(), true
}

// parseDate reads the date forms an end user may type: ISO, then
// day-first with slashes or dots (one or two digit day and month).
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range [...]string{time.DateOnly, "2/1/2006", "2.1.2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func parseYesNo(s string) (string, bool) { return yesNo(normalise(s)) }

// yesNo reads a normalised yes or no.
func yesNo(words string) (string, bool) {
	switch words {
	case "yes", "y", "true", "si", "oui", "ja":
		return "yes", true
	case "no", "n", "false", "non", "nein":
		return "no", true
	}
	return "", false
}

// evaluate tests a condition element against the stored attributes.
func evaluate(el Element, attrs map[string]string) bool {
	v, set := attrs[el.Attribute]
	switch el.Operator {
	case OpEmpty:
		return !set || strings.TrimSpace(v) == ""
	case OpEq:
		return equal(v, el.Value)
	case OpNe:
		return !equal(v, el.Value)
	case OpLt:
		c, ok := compare(v, el.Value)
		return ok && c < 0
	case OpGt:
		c, ok := compare(v, el.Value)
		return ok && c > 0
	case OpContains:
		return strings.Contains(fold(v), fold(el.Value))
	}
	return false
}

// equal compares as numbers when both sides are numbers, else as text
// without regard to case.
func equal(a, b string) bool {
	if x, ok := parseNumber(a); ok {
		if y, ok := parseNumber(b); ok {
			return x == y
		}
	}
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// compare orders two values as numbers, else as dates; ok is false when
// they are neither.
func compare(a, b string) (c int, ok bool) {
	if x, ok := parseNumber(a); ok {
		if y, ok := parseNumber(b); ok {
			return cmp.Compare(x, y), true
		}
	}
	if x, ok := parseDate(a); ok {
		if y, ok := parseDate(b); ok {
			return x.Compare(y), true
		}
	}
	return 0, false
}
