// Package ratelimit limits how fast each key (a sender) may go: a token
// bucket per key, from golang.org/x/time/rate, kept in bounded memory.
package ratelimit

import (
	"hash/fnv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultMaxKeys is how many keys a limiter remembers at most.
const DefaultMaxKeys = 100_000

// Limiter allows each key PerSecond events on average, in bursts of up to
// Burst. A nil *Limiter allows everything.
type Limiter struct {
	perSecond float64
	burst     int
	maxKeys   int
	// Now is the clock (tests replace it).
	Now func() time.Time

	mu   sync.Mutex
	keys map[int64]*rate.Limiter
}

// New makes a limiter of perSecond events per key, bursts of up to burst
// (at least 1), remembering at most maxKeys keys. perSecond <= 0 means no
// limit: New returns nil.
func New(perSecond float64, burst, maxKeys int) *Limiter {
	if perSecond <= 0 {
		return nil
	}
	return &Limiter{perSecond: perSecond, burst: max(burst, 1), maxKeys: max(maxKeys, 1),
		Now: time.Now, keys: map[int64]*rate.Limiter{}}
}

// PerSecond is the limit's rate (0 for a nil limiter).
func (l *Limiter) PerSecond() float64 {
	if l == nil {
		return 0
	}
	return l.perSecond
}

// Allow takes one event for key. When the key's bucket is empty it takes
// nothing and says how long until the next event would be allowed.
func (l *Limiter) Allow(key int64) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	now := l.Now()
	l.mu.Lock()
	lim, ok := l.keys[key]
	if !ok {
		if len(l.keys) >= l.maxKeys {
			l.prune(now)
		}
		lim = rate.NewLimiter(rate.Limit(l.perSecond), l.burst)
		lim.SetLimitAt(now, rate.Limit(l.perSecond)) // start the bucket's clock at now
		l.keys[key] = lim
	}
	l.mu.Unlock()
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Len is the number of keys remembered.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

// prune forgets the keys whose bucket is full again: a new bucket would be
// the same, so nothing changes for them. If most keys are still busy (a
// flood of distinct keys), it forgets all of them: the memory bound wins
// over one extra burst each.
func (l *Limiter) prune(now time.Time) {
	for k, lim := range l.keys {
		if lim.TokensAt(now) >= float64(l.burst) {
			delete(l.keys, k)
		}
	}
	if len(l.keys) > l.maxKeys*9/10 {
		clear(l.keys)
	}
}

// StringKey maps a text key (a visitor id, a client network) to a key of
// a Limiter. Two texts sharing a key would share a bucket; at 64 bits that
// takes billions of keys.
func StringKey(s string) int64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return int64(h.Sum64())
}
