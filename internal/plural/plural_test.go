package plural

import "testing"

func TestCount(t *testing.T) {
	for _, c := range []struct {
		n    int
		noun string
		want string
	}{
		{0, "test", "0 tests"},
		{1, "test", "1 test"},
		{2, "test", "2 tests"},
		{1, "open session", "1 open session"},
		{3, "open session", "3 open sessions"},
		{2, "entry", "2 entries"},
		{2, "day", "2 days"},
		{2, "match", "2 matches"},
		{2, "box", "2 boxes"},
		{2, "status", "2 statuses"},
		{1, "validation error", "1 validation error"},
		{-1, "minute", "-1 minutes"},
	} {
		if got := Count(c.n, c.noun); got != c.want {
			t.Errorf("Count(%d, %q) = %q, want %q", c.n, c.noun, got, c.want)
		}
	}
	if got := Counted(1, "validation error", "blocks", "block"); got != "1 validation error blocks" {
		t.Errorf("Counted(1) = %q", got)
	}
	if got := Counted(2, "open conversation", "closes", "close"); got != "2 open conversations close" {
		t.Errorf("Counted(2) = %q", got)
	}
}
