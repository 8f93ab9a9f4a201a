package auth

import (
	"testing"
	"time"
)

func TestBackoffWait(t *testing.T) {
	b := Backoff{Free: 5, Base: 2 * time.Second, Max: 5 * time.Minute, Quiet: 15 * time.Minute}
	for n, want := range map[int]time.Duration{
		0: 0, 1: 0, 4: 0, 5: 2 * time.Second, 6: 4 * time.Second, 7: 8 * time.Second,
		12: 256 * time.Second, 13: 5 * time.Minute, 1000: 5 * time.Minute,
	} {
		if got := b.Wait(n); got != want {
			t.Errorf("Wait(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestClientKey(t *testing.T) {
	for ip, want := range map[string]string{
		"192.0.2.7":            "192.0.2.7",
		"::ffff:192.0.2.7":     "192.0.2.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":      "2001:db8:1:3::/64",
		"not an ip":            "not an ip",
	} {
		if got := ClientKey(ip); got != want {
			t.Errorf("ClientKey(%q) = %q, want %q", ip, got, want)
		}
	}
}
func TestPasswordRulesAndHash(t *testing.T) {
	for pw, ok := range map[string]bool{
		"short":                  false,
		"long enough pw":         true,
		string(make([]byte, 73)): false,
	} {
		if err := CheckPasswordRules(pw); (err == nil) != ok {
			t.Errorf("CheckPasswordRules(%q) = %v", pw, err)
		}
	}
	h := Hasher{Cost: 4}
	hash, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !h.Check(hash, "correct horse battery") || h.Check(hash, "wrong") || h.Check("", "x") {
		t.Error("Check gives wrong answers")
	}
	if p := GeneratePassword(); CheckPasswordRules(p) != nil {
		t.Errorf("generated password %q breaks the rules", p)
	}
	if a, b := RandomToken(16), RandomToken(16); a == b {
		t.Error("tokens repeat")
	}
}

// TestCheckTakesTheSameTime: whether the account exists (a hash) or not
// (none), and whatever the password's length, Check spends about the same
// time, so a sign-in does not tell which emails exist. Before the fix an
// unknown email with a password over 72 bytes answered at once (the dummy
// bcrypt failed on the length) and a known one after a full comparison.
func TestCheckTakesTheSameTime(t *testing.T) {
	h := Hasher{Cost: 8}
	hash, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	long := string(make([]byte, 100))
	timeOf := func(hash, pw string) time.Duration {
		best := time.Hour
		for range 3 {
			start := time.Now()
			h.Check(hash, pw)
			best = min(best, time.Since(start))
		}
		return best
	}
	for name, pw := range map[string]string{"short": "wrong password", "over 72 bytes": long} {
		known, unknown := timeOf(hash, pw), timeOf("", pw)
		t.Logf("%s password: known account %v, unknown %v", name, known, unknown)
		if unknown < known/2 || known < unknown/2 {
			t.Errorf("%s password: known account %v, unknown %v: the difference tells them apart", name, known, unknown)
		}
	}
	if h.Check(hash, "correct horse battery"+long) {
		t.Error("a password over 72 bytes was accepted")
	}
}
