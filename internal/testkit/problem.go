package testkit

import (
	"testing"

	"github.com/answers-console/answers/internal/problem"
)

// WantProblem fails the test unless err is a refusal of that kind and code,
// and returns it.
func WantProblem(t testing.TB, err error, kind problem.Kind, code string) *problem.Error {
	t.Helper()
	p, ok := problem.As(err)
	if !ok {
		t.Fatalf("error %v (%T), want a problem of kind %d code %q", err, err, kind, code)
	}
	if p.Kind != kind || p.Code != code {
		t.Fatalf("problem kind %d code %q (%s), want kind %d code %q", p.Kind, p.Code, p.Message, kind, code)
	}
	return p
}
