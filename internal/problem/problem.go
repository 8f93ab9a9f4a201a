// Package problem is the error type the services return when they refuse
// something: a kind that the web layer maps to a status code, a message
// for people, and the form field it concerns.
package problem

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind says what sort of refusal an error is.
type Kind int

// The kinds, each answered with one HTTP status by the web layer.
const (
	Invalid      Kind = iota + 1 // 422: the input is wrong
	Unauthorized                 // 401: not signed in, or bad credentials
	Forbidden                    // 403: signed in, but not allowed
	NotFound                     // 404
	Conflict                     // 409: a rule of the current state refuses it
	TooMany                      // 429: throttled
	TooLarge                     // 413: the request body is over its limit
)

// Error is a refusal with a message meant for the person who asked.
type Error struct {
	Kind       Kind
	Code       string // stable, machine-readable, e.g. "last_admin"
	Field      string // the form field it concerns, if any
	Message    string
	RetryAfter time.Duration // for TooMany
	Details    any           // machine-readable detail, e.g. validation findings
	// Hint is the advice that ends Message ("Choose a grace period for
	// them, …"), kept apart so that a surface whose controls differ (the
	// console's dialog offers a tick where the API takes a number) can
	// give its own after Fact.
	Hint string
}

func (e *Error) Error() string { return e.Message }

// Fact is Message without its Hint: what was refused and why.
func (e *Error) Fact() string {
	return strings.TrimSpace(strings.TrimSuffix(e.Message, e.Hint))
}

// New builds an error.
func New(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Field builds an Invalid error about one form field.
func Field(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Code: "invalid_" + field, Field: field, Message: fmt.Sprintf(format, args...)}
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var p *Error
	ok := errors.As(err, &p)
	return p, ok
}

// Is reports whether err is a problem of the given kind.
func Is(err error, kind Kind) bool {
	p, ok := As(err)
	return ok && p.Kind == kind
}
