package store

import (
	"context"
	"errors"
	"sync"
	"time"
)

// The inbound API looks its sender up by channel and address on every
// message: 7 % of the server's CPU under the inbound benchmark, for rows
// that change a few times a year. InboundSender keeps what it found for
// senderTTL. A change to senders made through this store empties the
// cache when it commits; one made by another process (another replica,
// the CLI) is seen within senderTTL — so a replaced inbound key, or a
// deleted sender, is refused on every replica at most a second later.

// senderTTL is how long a looked-up sender is kept.
const senderTTL = time.Second

// maxCachedSenders bounds the cache (unknown addresses are kept too, so
// that a flood of them costs one query each per senderTTL); it starts
// over when full.
const maxCachedSenders = 20000

type senderKey struct{ channel, address string }

type cachedSender struct {
	sender  Sender
	err     error // nil or ErrNotFound
	expires time.Time
}

type senderCache struct {
	mu  sync.Mutex
	gen uint64 // counts invalidations
	m   map[senderKey]cachedSender
}

// invalidate forgets every cached sender.
func (c *senderCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m = nil
}

// InboundSender is SenderByAddress for the inbound path, cached (see
// senderTTL).
func (s *Store) InboundSender(ctx context.Context, channel, address string) (Sender, error) {
	k, now := senderKey{channel, address}, time.Now()
	c := &s.senders
	c.mu.Lock()
	e, ok := c.m[k]
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.sender, e.err
	}
	snd, err := s.SenderByAddress(ctx, channel, address)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return snd, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen { // no change committed while it was read
		if c.m == nil || len(c.m) >= maxCachedSenders {
			c.m = map[senderKey]cachedSender{}
		}
		c.m[k] = cachedSender{sender: snd, err: err, expires: now.Add(senderTTL)}
	}
	return snd, err
}
