package store

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// ChatbotName is a chatbot as a picker lists it.
type ChatbotName struct {
	ID   int64
	Name string
}

// ActivatedChatbotNames lists up to limit chatbots that have ever been
// activated (the only ones with traffic), the most recently activated
// ones, sorted by name.
func (q queries) ActivatedChatbotNames(ctx context.Context, limit int) ([]ChatbotName, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT id, name FROM chatbots WHERE last_activated_at IS NOT NULL
		ORDER BY last_activated_at DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ChatbotName
	for rows.Next() {
		var c ChatbotName
		if err := rows.Scan(&c.ID, &c.Name); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, rows.Err()
}

// The analytics page lists the same chatbots on every view: at 10,000
// chatbots reading them was a fifth of the page's time. ChatbotPicker
// keeps the list for pickerTTL, and forgets it when a write transaction
// commits through the store (an activation, a rename); other processes'
// changes show within pickerTTL.

const pickerTTL = 5 * time.Second

type pickerCache struct {
	mu      sync.Mutex
	gen     uint64 // write transactions committed (see InTx)
	limit   int
	names   []ChatbotName
	expires time.Time
}

func (c *pickerCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.names = nil
}

// ChatbotPicker is ActivatedChatbotNames, cached. The caller must not
// change the slice.
func (s *Store) ChatbotPicker(ctx context.Context, limit int) ([]ChatbotName, error) {
	c, now := &s.picker, time.Now()
	c.mu.Lock()
	names, gen, ok := c.names, c.gen, c.names != nil && c.limit == limit && now.Before(c.expires)
	c.mu.Unlock()
	if ok {
		return names, nil
	}
	names, err := s.ActivatedChatbotNames(ctx, limit)
	if err != nil {
		return nil, err
	}
	if names == nil {
		names = []ChatbotName{}
	}
	names = slices.Clip(names)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.names, c.limit, c.expires = names, limit, now.Add(pickerTTL)
	}
	return names, nil
}
