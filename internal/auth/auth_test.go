package auth

import (
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	th := NewThrottle(3, 10*time.Minute)
	th.Now = func() time.Time { return now }

	for i := 0; i < 2; i++ {
		th.Fail("a")
	}
	if blocked, _ := th.Blocked("a"); blocked {
		t.Fatal("blocked after 2 of 3 failures")
	}
	th.Fail("a")
	blocked, wait := th.Blocked("a")
	if !blocked || wait != 10*time.Minute {
		t.Fatalf("after 3 failures: blocked=%v wait=%v", blocked, wait)
	}
	if blocked, _ := th.Blocked("b"); blocked {
		t.Fatal("another key must not be blocked")
	}
	now = now.Add(4 * time.Minute)
	if _, wait := th.Blocked("a"); wait != 6*time.Minute {
		t.Fatalf("wait = %v, want 6m", wait)
	}
	now = now.Add(6 * time.Minute)
	if blocked, _ := th.Blocked("a"); blocked {
		t.Fatal("still blocked after the window")
	}
	th.Fail("c")
	th.Fail("c")
	th.Succeed("c")
	th.Fail("c")
	th.Fail("c")
	if blocked, _ := th.Blocked("c"); blocked {
		t.Fatal("a success must clear earlier failures")
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

func TestThrottleReportsALockOnce(t *testing.T) {
	th := NewThrottle(2, time.Minute)
	th.Fail("k")
	if th.FirstReport("k") {
		t.Fatal("reported before the lock")
	}
	th.Fail("k")
	if !th.FirstReport("k") || th.FirstReport("k") || th.FirstReport("k") {
		t.Fatal("a lock must be reported exactly once")
	}
}

func TestThrottleBeginCountsAttemptsInFlight(t *testing.T) {
	th := NewThrottle(3, time.Minute)
	for i := range 3 {
		if ok, _ := th.Begin("k"); !ok {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	// Three in flight: a fourth must wait, though none has failed yet.
	if ok, wait := th.Begin("k"); ok || wait <= 0 {
		t.Fatalf("fourth attempt in flight: ok=%v wait=%v", ok, wait)
	}
	if locked, _ := th.Blocked("k"); locked {
		t.Fatal("locked before any failure")
	}
	th.End("k", false, false) // one ended without failing: its place is free
	if ok, _ := th.Begin("k"); !ok {
		t.Fatal("a freed place was not reused")
	}
	for range 3 {
		th.End("k", true, false)
	}
	if locked, _ := th.Blocked("k"); !locked {
		t.Fatal("three failures did not lock")
	}
	th.End("k", false, true) // a late success clears the account
	if ok, _ := th.Begin("k"); !ok {
		t.Fatal("still locked after a success")
	}
}
