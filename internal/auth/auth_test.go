package auth

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
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

// TestCheckDoesTheSameWork: whether the account exists (a hash) or not
// (none), and whatever the password's length, Check does exactly one
// bcrypt comparison against a hash of the same cost — and bcrypt's time is
// set by its cost — so a sign-in does not tell which emails exist. Before
// the fix an unknown email with a password over 72 bytes was refused
// without a comparison (bcrypt refuses such a password at once). This
// checks the work, not the clock, so a loaded machine cannot fail it.
func TestCheckDoesTheSameWork(t *testing.T) {
	type call struct{ cost, pwLen int }
	var calls []call
	h := Hasher{Cost: 5}
	h.compare = func(hash, pw []byte) error {
		cost, err := bcrypt.Cost(hash)
		if err != nil {
			t.Fatalf("compared against something that is not a bcrypt hash: %v", err)
		}
		calls = append(calls, call{cost, len(pw)})
		return bcrypt.CompareHashAndPassword(hash, pw)
	}
	hash, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 100)
	for _, tt := range []struct {
		name     string
		hash, pw string
	}{
		{"known account, wrong password", hash, "wrong password"},
		{"unknown account", "", "wrong password"},
		{"known account, password over 72 bytes", hash, long},
		{"unknown account, password over 72 bytes", "", long},
	} {
		calls = nil
		if h.Check(tt.hash, tt.pw) {
			t.Errorf("%s: accepted", tt.name)
		}
		if len(calls) != 1 || calls[0].cost != h.Cost || calls[0].pwLen > MaxPasswordBytes {
			t.Errorf("%s: comparisons %+v, want exactly one at cost %d of at most %d bytes", tt.name, calls, h.Cost, MaxPasswordBytes)
		}
	}
	if h.Check(hash, "correct horse battery"+long) {
		t.Error("a password over 72 bytes was accepted")
	}
	if !h.Check(hash, "correct horse battery") {
		t.Error("the right password was refused")
	}
}
