package store

import (
	"context"
	"strings"
	"time"
)

// The set-oriented forms of the session queries routing runs per message
// (see SetRunner): one statement per kind for a whole batch.

// SessionKey names an end user on a sender: at most one open session each
// (I5).
type SessionKey struct {
	SenderID int64
	EndUser  string
}

// LockLatestChatSessions is LockLatestChatSession for many end users at
// once: each key's newest session, open or closed; a key without one is
// missing from the map. On PostgreSQL the rows are locked in id order, so
// two batches that lock some of the same sessions wait for each other
// rather than deadlock.
func (t *Tx) LockLatestChatSessions(ctx context.Context, keys []SessionKey) (map[SessionKey]ChatSession, error) {
	out := make(map[SessionKey]ChatSession, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	// The key list is padded to a power of two with its last key, so
	// that few statement variants serve every batch.
	n := 1
	for n < len(keys) {
		n *= 2
	}
	var b strings.Builder
	b.WriteString(`WITH k (sender_id, end_user) AS (VALUES `)
	b.WriteString(rowsOf(`(CAST(? AS BIGINT), ?)`, n))
	b.WriteString(`) SELECT ` + chatSessionColumns + ` FROM chat_sessions WHERE id IN (SELECT (SELECT c.id FROM chat_sessions c
		WHERE c.sender_id = k.sender_id AND c.end_user = k.end_user ORDER BY c.id DESC LIMIT 1) FROM k) ORDER BY id`)
	if t.d.IsPostgres() {
		b.WriteString(` FOR UPDATE`)
	}
	args := make([]any, 0, 2*n)
	for i := range n {
		k := keys[min(i, len(keys)-1)]
		args = append(args, k.SenderID, k.EndUser)
	}
	rows, err := t.q.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		s, err := scanChatSession(rows)
		if err != nil {
			return nil, err
		}
		out[SessionKey{s.SenderID, s.EndUser}] = s
	}
	return out, rows.Err()
}

// CreateChatSessions opens sessions, as CreateChatSession does one each,
// and returns them with their ids. A session whose end user has an open
// one already on the sender (I5: on PostgreSQL another replica opened it
// meanwhile) is not opened: its id is 0, and nothing else was written.
func (t *Tx) CreateChatSessions(ctx context.Context, ss []ChatSession) ([]ChatSession, error) {
	out := make([]ChatSession, len(ss))
	copy(out, ss)
	at := map[SessionKey]int{}
	for i, s := range ss {
		at[SessionKey{s.SenderID, s.EndUser}] = i
	}
	rest := out
	for _, n := range pieces(len(ss), t.sessionRowsPerStatement()) {
		query := `INSERT INTO chat_sessions
			(sender_id, chatbot_id, open_on, release_id, end_user, state, opened_at, last_activity_at, expires_at, inbound_count, outbound_count)
			VALUES ` + rowsOf(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, n) + `
			ON CONFLICT (sender_id, end_user) WHERE closed_at IS NULL DO NOTHING RETURNING id, sender_id, end_user`
		args := make([]any, 0, 11*n)
		for _, s := range rest[:n] {
			args = append(args, s.SenderID, s.ChatbotID, s.ChatbotID, nullableID(s.ReleaseID), s.EndUser, string(s.State),
				fmtTime(s.OpenedAt), fmtTime(s.LastActivityAt), fmtTime(s.ExpiresAt), s.Inbound, s.Outbound)
		}
		if err := t.scanCreated(ctx, query, args, out, at); err != nil {
			return nil, err
		}
		rest = rest[n:]
	}
	for _, s := range out {
		if s.ID == 0 {
			continue
		}
		if err := t.sessionOpened(ctx, s); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// scanCreated runs one insert of CreateChatSessions and sets the ids it
// returns, by key (a batch opens at most one session per key).
func (t *Tx) scanCreated(ctx context.Context, query string, args []any, out []ChatSession, at map[SessionKey]int) error {
	rows, err := t.q.QueryContext(ctx, query, args...)
	if err != nil {
		return constraintError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k SessionKey
		var id int64
		if err := rows.Scan(&id, &k.SenderID, &k.EndUser); err != nil {
			return err
		}
		if i, ok := at[k]; ok {
			out[i].ID = id
		}
	}
	return constraintError(rows.Err())
}

// SaveChatSessions is SaveChatSession for many sessions, a few statements
// in all.
func (t *Tx) SaveChatSessions(ctx context.Context, ss []ChatSession) error {
	for _, n := range pieces(len(ss), t.sessionRowsPerStatement()) {
		if n == 1 {
			if err := t.SaveChatSession(ctx, ss[0]); err != nil {
				return err
			}
			ss = ss[1:]
			continue
		}
		query := `WITH v (id, state, last_activity_at, expires_at, inbound_count, outbound_count) AS (VALUES ` +
			rowsOf(`(CAST(? AS BIGINT), ?, ?, ?, CAST(? AS BIGINT), CAST(? AS BIGINT))`, n) + `)
			UPDATE chat_sessions SET state = v.state, last_activity_at = v.last_activity_at, expires_at = v.expires_at,
				inbound_count = v.inbound_count, outbound_count = v.outbound_count
			FROM v WHERE chat_sessions.id = v.id`
		args := make([]any, 0, 6*n)
		for _, s := range ss[:n] {
			args = append(args, s.ID, string(s.State), fmtTime(s.LastActivityAt), fmtTime(s.ExpiresAt), s.Inbound, s.Outbound)
		}
		if _, err := t.q.ExecContext(ctx, query, args...); err != nil {
			return err
		}
		ss = ss[n:]
	}
	return nil
}

// CloseChatSessions is CloseChatSession for many sessions closed with one
// reason: each closes at now or its last activity if that is later.
func (t *Tx) CloseChatSessions(ctx context.Context, ids []int64, reason string, now time.Time) error {
	for _, n := range pieces(len(ids), t.sessionRowsPerStatement()) {
		if n == 1 {
			if err := t.CloseChatSession(ctx, ids[0], reason, now); err != nil {
				return err
			}
			ids = ids[1:]
			continue
		}
		args := make([]any, 0, 2+n)
		args = append(args, fmtTime(now), reason)
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		if _, err := t.closeSessions(ctx, `UPDATE chat_sessions SET closed_at = `+closedAt+`, close_reason = ?2, open_on = NULL
			WHERE id IN (`+rowsOf(`CAST(? AS BIGINT)`, n)+`) AND closed_at IS NULL`, args...); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}
