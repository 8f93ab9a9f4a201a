package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

const inboxVersionSQL = `SELECT count(*), coalesce(sum(coalesce(s.held_user_id, 0)), 0),
		coalesce(sum(CASE WHEN s.held_by = 'person' THEN 1 ELSE 0 END), 0),
		coalesce(max(s.held_since), ''), coalesce(max(s.last_activity_at), '')
	FROM chat_sessions s JOIN chatbots c ON c.id = s.chatbot_id
	WHERE s.held_by <> 'bot' AND s.closed_at IS NULL AND s.held_since IS NOT NULL AND c.sessions_end_at IS NULL`

// InboxVersion says, in a few bytes, how the held conversations stand:
// how many there are, who holds each, and their newest activity. The
// console's inbox stream compares it between reads and tells the page to
// refresh when it changed, on whichever replica the change was made (a
// read of the partial index chat_sessions_held, a handful of rows).
func (q queries) InboxVersion(ctx context.Context) (string, error) {
	var n, holders, people int64
	var since, activity string
	err := q.q.QueryRowContext(ctx, inboxVersionSQL).Scan(&n, &holders, &people, &since, &activity)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d.%d.%d.%s.%s", n, holders, people, since, activity), nil
}

// ConversationVersion is InboxVersion for one conversation: who holds
// it, whether it is closed, and its newest message.
func (q queries) ConversationVersion(ctx context.Context, id int64) (string, error) {
	var heldBy, closed string
	var holder, last int64
	err := q.q.QueryRowContext(ctx, `SELECT s.held_by, coalesce(s.held_user_id, 0), coalesce(s.closed_at, ''),
			coalesce((SELECT max(m.id) FROM messages m WHERE m.session_id = s.id), 0)
		FROM chat_sessions_effective s WHERE s.id = ?`, id).Scan(&heldBy, &holder, &closed, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s.%d.%s.%d", heldBy, holder, closed, last), nil
}
