package auth

import (
	"sync"
	"time"
)

// Throttle limits failed sign-ins per key (an account's email, a client
// IP). After Max failures within Window the key is locked until Window has
// passed since the first of them. A success clears the key.
type Throttle struct {
	Max    int
	Window time.Duration
	Now    func() time.Time

	mu   sync.Mutex
	keys map[string]*attempts
}

type attempts struct {
	first    time.Time
	n        int
	pending  int  // attempts begun and not yet ended (Begin)
	reported bool // the lock has been reported once
}

// NewThrottle makes a throttle with the given limits.
func NewThrottle(max int, window time.Duration) *Throttle {
	return &Throttle{Max: max, Window: window, Now: time.Now, keys: map[string]*attempts{}}
}

// Blocked reports whether key is locked, and for how long still.
func (t *Throttle) Blocked(key string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.live(key)
	if a == nil || a.n < t.Max {
		return false, 0
	}
	return true, a.first.Add(t.Window).Sub(t.Now())
}

// Begin starts an attempt for key unless key is locked, counting it
// against the limit until End says how it went. Checking and counting in
// one step is what holds the limit under a burst of concurrent attempts:
// with Blocked then Fail, every attempt of the burst would pass Blocked
// before the first Fail. When the failures so far plus the attempts in
// flight reach the limit, Begin refuses and says how long to wait.
func (t *Throttle) Begin(key string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.live(key)
	if a == nil {
		a = &attempts{first: t.Now()}
		t.keys[key] = a
		if len(t.keys) > 100_000 {
			t.prune()
		}
	}
	if a.n >= t.Max {
		return false, a.first.Add(t.Window).Sub(t.Now())
	}
	if a.n+a.pending >= t.Max {
		// Locked only by attempts still in flight: they end in moments.
		return false, time.Second
	}
	a.pending++
	return true, 0
}

// End ends an attempt Begin started: a failure counts from now on, a
// success of an account clears it (clear), anything else just frees the
// attempt's place.
func (t *Throttle) End(key string, failed, clear bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.keys[key]
	if a == nil {
		return
	}
	if a.pending > 0 {
		a.pending--
	}
	switch {
	case clear:
		delete(t.keys, key)
	case failed:
		a.n++
	case a.n == 0 && a.pending == 0:
		delete(t.keys, key)
	}
}

// Fail records a failed attempt for key.
func (t *Throttle) Fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.live(key)
	if a == nil {
		a = &attempts{first: t.Now()}
		t.keys[key] = a
	}
	a.n++
	if len(t.keys) > 100_000 {
		t.prune()
	}
}

// Succeed clears key.
func (t *Throttle) Succeed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.keys, key)
}

// live returns the key's attempts if its window is still open.
func (t *Throttle) live(key string) *attempts {
	a := t.keys[key]
	if a != nil && t.Now().Sub(a.first) >= t.Window {
		delete(t.keys, key)
		return nil
	}
	return a
}

// prune drops expired keys so that a flood of distinct keys cannot grow
// the map without bound.
func (t *Throttle) prune() {
	for k := range t.keys {
		t.live(k)
	}
}

// FirstReport reports whether this is the first time key's current lock
// is asked about, so that a flood of attempts against a locked key is
// recorded once, not once per attempt.
func (t *Throttle) FirstReport(key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.live(key)
	if a == nil || a.n < t.Max || a.reported {
		return false
	}
	a.reported = true
	return true
}
