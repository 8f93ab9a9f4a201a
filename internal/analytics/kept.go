package analytics

import (
	"sync"
	"time"
)

// kept holds values the service keeps for a while (the caches of
// daycache.go, pastcache.go and names.go): by key, each until it expires
// (never, with a ttl of 0). Each value has a weight (1, or the rows it
// holds); the map starts over when the weights would pass max.
type kept[K comparable, V any] struct {
	ttl    time.Duration
	max    int
	weigh  func(V) int // nil: each value weighs 1
	mu     sync.Mutex
	m      map[K]keptEntry[V]
	weight int
}

type keptEntry[V any] struct {
	v       V // never changed once kept: callers only read it
	weight  int
	expires time.Time // zero: never
}

// get returns the value kept for k, or loads it and keeps it. Two callers
// that miss at once both load; the later one's value is kept.
func (c *kept[K, V]) get(k K, load func() (V, error)) (V, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok && (e.expires.IsZero() || now.Before(e.expires)) {
		return e.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	e = keptEntry[V]{v: v, weight: 1}
	if c.weigh != nil {
		e.weight = c.weigh(v)
	}
	if c.ttl > 0 {
		e.expires = now.Add(c.ttl)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[k]; ok {
		c.weight -= old.weight
	}
	if c.m == nil || c.weight+e.weight > c.max {
		c.m, c.weight = map[K]keptEntry[V]{}, 0
	}
	c.m[k] = e
	c.weight += e.weight
	return v, nil
}
