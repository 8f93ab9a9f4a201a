package store

import (
	"context"
	"sort"
	"strings"
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
