package chatbot

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// placeholderRE finds {{name}}, spaces inside the braces allowed.
var placeholderRE = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// placeholders returns the attribute names a text's placeholders name, in
// order, each once.
func placeholders(text string) []string {
	var names []string
	for _, m := range placeholderRE.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	return names
}

// fill replaces each placeholder with the attribute's value; unknown or
// unset attributes become "".
func fill(text string, attrs map[string]string) string {
	if !strings.Contains(text, "{{") {
		return text
	}
	return placeholderRE.ReplaceAllStringFunc(text, func(m string) string {
		return attrs[placeholderRE.FindStringSubmatch(m)[1]]
	})
}

// fold lower-cases s and removes accents: "Sí" → "si", "Straße" →
// "strasse".
func fold(s string) string {
	if ascii(s) {
		// Nothing to decompose and no special letters: most messages.
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		r = unicode.ToLower(r)
		// Letters that carry their accent without decomposing.
		switch r {
		case 'ß':
			b.WriteString("ss")
		case 'æ':
			b.WriteString("ae")
		case 'œ':
			b.WriteString("oe")
		case 'ø':
			b.WriteByte('o')
		case 'ł':
			b.WriteByte('l')
		case 'đ':
			b.WriteByte('d')
		case 'ı':
			b.WriteByte('i')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// normalise folds s and turns everything but letters and digits into
// single spaces, trimmed: "What are your OPENING hours?!" → "what are your
// opening hours".
func normalise(s string) string {
	f := fold(s)
	var b strings.Builder
	b.Grow(len(f))
	space := false
	for _, r := range f {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	return b.String()
}

// containsWords says whether the normalised keyword kw appears in the
// normalised input as a whole word sequence.
func containsWords(input, kw string) bool {
	if kw == "" {
		return false
	}
	return strings.Contains(" "+input+" ", " "+kw+" ")
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }
