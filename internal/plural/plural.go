// Package plural writes counts in English: the one helper every
// count-bearing message goes through, so that none says "1 validation
// errors" or "1 open conversation close".
package plural

import (
	"strconv"
	"strings"
)

// Noun is noun in the number n asks for: "entry" for 1, "entries" for 2.
// A phrase ("open session") changes its last word only.
func Noun(n int, noun string) string {
	if n == 1 || noun == "" {
		return noun
	}
	switch {
	case strings.HasSuffix(noun, "s"), strings.HasSuffix(noun, "x"),
		strings.HasSuffix(noun, "ch"), strings.HasSuffix(noun, "sh"):
		return noun + "es"
	case strings.HasSuffix(noun, "y") && len(noun) > 1 && !strings.ContainsRune("aeiou", rune(noun[len(noun)-2])):
		return noun[:len(noun)-1] + "ies"
	}
	return noun + "s"
}

// Count is n and its noun: "1 open session", "2 open sessions", "0 tests".
func Count(n int, noun string) string {
	return strconv.Itoa(n) + " " + Noun(n, noun)
}

// Verb is the present-tense verb agreeing with a count of n: Verb(1,
// "blocks", "block") is "blocks", Verb(3, …) is "block".
func Verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Counted is a count, its noun and the verb agreeing with it: Counted(1,
// "validation error", "blocks", "block") is "1 validation error blocks".
func Counted(n int, noun, one, many string) string {
	return Count(n, noun) + " " + Verb(n, one, many)
}
