package chatbot

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// nextPlaceholder finds the first placeholder of text: {{name}}, with no
// brace inside and spaces around the name allowed. It returns where the
// placeholder starts and ends and the name, without its spaces. It costs
// time in proportion to the part of text it reads.
func nextPlaceholder(text string) (start, end int, name string, ok bool) {
	for from := 0; ; {
		i := strings.Index(text[from:], "{{")
		if i < 0 {
			return 0, 0, "", false
		}
		i += from
		j := i + 2
		for j < len(text) && text[j] != '{' && text[j] != '}' {
			j++
		}
		switch {
		case strings.HasPrefix(text[j:], "}}"):
			return i, j + 2, strings.Trim(text[i+2:j], " \t\n\f\r"), true
		case j < len(text) && text[j] == '{' && j == i+2:
			from = i + 1 // "{{{": the placeholder may start one later
		default:
			from = j // no "{{" starts before j
		}
	}
}

// placeholders returns the attribute names a text's placeholders name, in
// order, each once.
func placeholders(text string) []string {
	var names []string
	seen := map[string]bool{}
	for {
		_, end, name, ok := nextPlaceholder(text)
		if !ok {
			return names
		}
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
		text = text[end:]
	}
}

// ellipsis ends a text or a value that was cut.
const ellipsis = "…"

// bounded builds a text of at most limit characters: what goes past the
// limit is dropped, and the text then ends in an ellipsis.
type bounded struct {
	b     strings.Builder
	n     int // characters written
	limit int
	cut   bool
}

func (w *bounded) write(s string) {
	if w.cut {
		return
	}
	room := w.limit - w.n
	if len(s) <= room { // bytes ≥ characters
		w.b.WriteString(s)
		w.n += utf8.RuneCountInString(s)
		return
	}
	i, n := 0, 0
	for i < len(s) && n < room {
		_, size := utf8.DecodeRuneInString(s[i:])
		i, n = i+size, n+1
	}
	w.b.WriteString(s[:i])
	w.n += n
	w.cut = i < len(s)
}

// String is the text, its last character replaced by an ellipsis if
// something was dropped.
func (w *bounded) String() string {
	s := w.b.String()
	if !w.cut || s == "" {
		return s
	}
	_, size := utf8.DecodeLastRuneInString(s)
	return s[:len(s)-size] + ellipsis
}

// cutRunes cuts s to at most limit characters, the last an ellipsis.
func cutRunes(s string, limit int) (string, bool) {
	if len(s) <= limit { // bytes ≥ characters
		return s, false
	}
	w := bounded{limit: limit}
	w.write(s)
	return w.String(), w.cut
}

// fill replaces each placeholder with the attribute's value, unknown or
// unset attributes becoming "". A placeholder shows at most
// MaxPlaceholderRunes characters of its value, the filled text is at
// most MaxTextRunes and has at most MaxTextPlaceholders placeholders
// filled: longer ones are cut, ending in an ellipsis, and valueCut or
// textCut says so. It costs time in proportion to the text it
// returns and the part of text it reads, whatever the values.
func fill(text string, attrs map[string]string) (filled string, valueCut, textCut bool) {
	if !strings.Contains(text, "{{") {
		if s, cut := cutRunes(text, MaxTextRunes); cut {
			return s, false, true
		}
		return text, false, false
	}
	w := bounded{limit: MaxTextRunes}
	for filled := 0; !w.cut; filled++ {
		start, end, name, ok := nextPlaceholder(text)
		if !ok {
			w.write(text)
			break
		}
		w.write(text[:start])
		if filled == MaxTextPlaceholders {
			w.cut = true
			break
		}
		v, cut := cutRunes(attrs[name], MaxPlaceholderRunes)
		valueCut = valueCut || cut && !w.cut
		w.write(v)
		text = text[end:]
	}
	return w.String(), valueCut, w.cut
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
