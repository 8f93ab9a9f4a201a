package store

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/answers-console/answers/internal/audit"
)

// RecentTraffic is a chatbot's traffic of the last hour or two against the
// day before, from the hourly rollups.
type RecentTraffic struct {
	// Messages in and out in the current hour so far, and in the hour before.
	ThisHour, LastHour int64
	// Inbound messages and fallbacks in the same two hours ...
	RecentInbound, RecentFallbacks int64
	// ... and in the 24 hours before them.
	BaseInbound, BaseFallbacks int64
}

// RecentTrafficOf reads RecentTraffic for each chatbot of ids at now: the
// "recent" hours are now's and the one before (rollups are hourly, so this
// is the last 60 to 120 minutes), the base the 24 hours before those.
// Chatbots without traffic are absent from the map.
func (q queries) RecentTrafficOf(ctx context.Context, ids []int64, now time.Time) (map[int64]RecentTraffic, error) {
	out := map[int64]RecentTraffic{}
	if len(ids) == 0 {
		return out, nil
	}
	h := Hour(now)
	recent, base := h-1, h-25
	args := []any{h, recent, recent, recent, recent, recent, base, h}
	marks := make([]string, len(ids))
	for i, id := range ids {
		marks[i] = "?"
		args = append(args, id)
	}
	rows, err := q.q.QueryContext(ctx, `SELECT chatbot_id,
		coalesce(sum(CASE WHEN hour = ? THEN inbound + outbound ELSE 0 END), 0),
		coalesce(sum(CASE WHEN hour = ? THEN inbound + outbound ELSE 0 END), 0),
		coalesce(sum(CASE WHEN hour >= ? THEN inbound ELSE 0 END), 0),
		coalesce(sum(CASE WHEN hour >= ? THEN fallback_hits ELSE 0 END), 0),
		coalesce(sum(CASE WHEN hour < ? THEN inbound ELSE 0 END), 0),
		coalesce(sum(CASE WHEN hour < ? THEN fallback_hits ELSE 0 END), 0)
		FROM rollup_hours WHERE hour >= ? AND hour <= ? AND chatbot_id IN (`+strings.Join(marks, ", ")+`)
		GROUP BY chatbot_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t RecentTraffic
		if err := rows.Scan(&id, &t.ThisHour, &t.LastHour, &t.RecentInbound, &t.RecentFallbacks, &t.BaseInbound, &t.BaseFallbacks); err != nil {
			return nil, err
		}
		out[id] = t
	}
	return out, rows.Err()
}

// RecentAudit returns the newest limit entries whose action is one of
// actions, newest first: one walk of the (action, id) index per action,
// merged, so that it stays cheap under a million entries.
func (q queries) RecentAudit(ctx context.Context, actions []string, limit int) ([]audit.Entry, error) {
	var all []audit.Entry
	for _, a := range actions {
		page, err := q.FilterAudit(ctx, AuditFilter{Action: a, Limit: limit})
		if err != nil {
			return nil, err
		}
		all = append(all, page.Entries...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID > all[j].ID })
	if len(all) > limit {
		all = all[:limit]
	}
	return all, nil
}
