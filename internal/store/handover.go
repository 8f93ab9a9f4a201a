package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// People in the loop (SPEC §11): who holds a conversation is part of its
// session row (migration 00057). Routing reads it under the same lock and
// in the same transaction that stores an inbound message, so no
// interleaving lets the bot answer a conversation people hold; the
// handover service changes it with conditional updates under that lock.

// Who holds a conversation.
const (
	HeldByBot     = "bot"
	HeldByWaiting = "waiting"
	HeldByPerson  = "person"
)

// HoldChatSession passes an open session to people: it waits since at,
// in queue ("" for anyone), with the handover's note for the person,
// until deadline (its expires_at, the handover timeout the sweeper
// applies).
func (t *Tx) HoldChatSession(ctx context.Context, id int64, queue, note string, at, deadline time.Time) error {
	_, err := t.q.ExecContext(ctx, `UPDATE chat_sessions SET held_by = 'waiting', held_since = ?, queue = ?, held_note = ?, held_user_id = NULL, expires_at = ?
		WHERE id = ? AND closed_at IS NULL`, fmtTime(at), nullableText(queue), nullableText(note), fmtTime(deadline), id)
	return err
}

// HandoverNote is the note of the handover that passed session id to
// people ("" if none).
func (q queries) HandoverNote(ctx context.Context, id int64) (string, error) {
	var note string
	err := q.q.QueryRowContext(ctx, `SELECT coalesce(held_note, '') FROM chat_sessions WHERE id = ?`, id).Scan(&note)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return note, err
}

// AddMessage appends one message to a transcript and returns its id.
func (t *Tx) AddMessage(ctx context.Context, m Message) (int64, error) {
	var id int64
	err := t.q.QueryRowContext(ctx, `INSERT INTO messages (session_id, chatbot_id, direction, text, at, entered, fallback_hits, branch, author_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m.SessionID, m.ChatbotID, m.Direction, m.Text, fmtTime(m.At), enteredJSON(m.Entered), m.FallbackHits, nullableText(m.Branch), nullableID(m.AuthorID)).Scan(&id)
	return id, err
}

// LockChatSession returns a session as it effectively is (see
// sessionsView), its row locked to the commit on PostgreSQL (on SQLite
// the writer is alone anyway): routing and the other calls of the
// handover service take turns on it.
func (t *Tx) LockChatSession(ctx context.Context, id int64) (ChatSession, error) {
	if t.d.IsPostgres() {
		var one int64
		err := t.q.QueryRowContext(ctx, `SELECT id FROM chat_sessions WHERE id = ? FOR UPDATE`, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return ChatSession{}, ErrNotFound
		}
		if err != nil {
			return ChatSession{}, err
		}
	}
	return t.ChatSessionByID(ctx, id)
}

// TakeChatSession gives a waiting open session to the person userID at
// at, until expires: a conditional update, so that of two people taking
// it at once one wins. It reports whether this call took it.
func (t *Tx) TakeChatSession(ctx context.Context, id, userID int64, at, expires time.Time) (bool, error) {
	res, err := t.q.ExecContext(ctx, `UPDATE chat_sessions SET held_by = 'person', held_user_id = ?, held_since = ?, expires_at = ?
		WHERE id = ? AND held_by = 'waiting' AND closed_at IS NULL`, userID, fmtTime(at), fmtTime(expires), id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// TouchHeldSession records a person's message on a session they hold:
// its activity, its timeout from it, and one more outbound message.
func (t *Tx) TouchHeldSession(ctx context.Context, id int64, at, expires time.Time) error {
	_, err := t.q.ExecContext(ctx, `UPDATE chat_sessions SET last_activity_at = CASE WHEN last_activity_at > ?1 THEN last_activity_at ELSE ?1 END,
		expires_at = ?2, outbound_count = outbound_count + 1 WHERE id = ?3 AND closed_at IS NULL`, fmtTime(at), fmtTime(expires), id)
	return err
}

// ReleaseChatSession hands a held session back to the bot with the
// dialog engine's new state, its activity and timeout, and replies more
// outbound messages (the bot's, sent as it resumed).
func (t *Tx) ReleaseChatSession(ctx context.Context, id int64, state []byte, at, expires time.Time, replies int) error {
	_, err := t.q.ExecContext(ctx, `UPDATE chat_sessions SET held_by = 'bot', held_since = NULL, queue = NULL, held_note = NULL, held_user_id = NULL,
		state = ?1, last_activity_at = CASE WHEN last_activity_at > ?2 THEN last_activity_at ELSE ?2 END, expires_at = ?3,
		outbound_count = outbound_count + ?4 WHERE id = ?5 AND closed_at IS NULL`, string(state), fmtTime(at), fmtTime(expires), replies, id)
	return err
}

// HeldSession is a conversation people hold, as the inbox lists it.
type HeldSession struct {
	ChatSession
	ChatbotName   string
	Channel       string
	SenderAddress string
	HolderName    string // the person's name; "" while waiting
	// LastInbound is the end user's latest message ("" if none).
	LastInbound string
}

// HeldFilter narrows the list of held conversations.
type HeldFilter struct {
	HeldBy string // HeldByWaiting, HeldByPerson, or "" for both
	Queue  string // exact queue; "" for every queue
	UserID int64  // the person holding it; 0 for anyone
	Limit  int    // at most this many (default and cap: MaxHeldList)
}

// MaxHeldList caps a list of held conversations.
const MaxHeldList = 500

// HeldSessions lists the open conversations people hold (or wait for),
// longest held first. A session of a chatbot whose sessions ended is
// closed, and not listed.
func (q queries) HeldSessions(ctx context.Context, f HeldFilter) ([]HeldSession, error) {
	query := `SELECT s.id, s.sender_id, s.chatbot_id, coalesce(s.release_id, 0), s.end_user, s.state, s.opened_at, s.last_activity_at, s.expires_at,
		s.closed_at, coalesce(s.close_reason, ''), s.inbound_count, s.outbound_count, s.held_by, s.held_since, coalesce(s.queue, ''), coalesce(s.held_user_id, 0),
		c.name, snd.channel, snd.address, coalesce(u.name, ''),
		coalesce((SELECT m.text FROM messages m WHERE m.session_id = s.id AND m.direction = 'in' ORDER BY m.id DESC LIMIT 1), '')
		FROM chat_sessions s JOIN chatbots c ON c.id = s.chatbot_id JOIN senders snd ON snd.id = s.sender_id
		LEFT JOIN users u ON u.id = s.held_user_id
		WHERE s.held_by <> 'bot' AND s.closed_at IS NULL AND s.held_since IS NOT NULL AND c.sessions_end_at IS NULL`
	var args []any
	if f.HeldBy != "" {
		query, args = query+` AND s.held_by = ?`, append(args, f.HeldBy)
	}
	if f.Queue != "" {
		query, args = query+` AND s.queue = ?`, append(args, f.Queue)
	}
	if f.UserID != 0 {
		query, args = query+` AND s.held_user_id = ?`, append(args, f.UserID)
	}
	if f.Limit <= 0 || f.Limit > MaxHeldList {
		f.Limit = MaxHeldList
	}
	query, args = query+` ORDER BY s.held_since, s.id LIMIT ?`, append(args, f.Limit)
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HeldSession
	for rows.Next() {
		var h HeldSession
		s, err := scanChatSession(scanFunc(func(dest ...any) error {
			return rows.Scan(append(dest, &h.ChatbotName, &h.Channel, &h.SenderAddress, &h.HolderName, &h.LastInbound)...)
		}))
		if err != nil {
			return nil, err
		}
		h.ChatSession = s
		out = append(out, h)
	}
	return out, rows.Err()
}

// scanFunc makes a function a row for scanChatSession.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// countHeldSQL counts the held conversations; countHeldOfChatbotSQL those
// of one chatbot (unary plus: read through the small index of held ones,
// never through all of the chatbot's sessions, which SQLite's planner
// would otherwise prefer). TestHeldQueriesReadTheHeldIndex checks both.
const (
	countHeldSQL = `SELECT coalesce(sum(CASE WHEN s.held_by = 'waiting' THEN 1 ELSE 0 END), 0), coalesce(sum(CASE WHEN s.held_by = 'person' THEN 1 ELSE 0 END), 0)
		FROM chat_sessions s JOIN chatbots c ON c.id = s.chatbot_id
		WHERE s.held_by <> 'bot' AND s.closed_at IS NULL AND s.held_since IS NOT NULL AND c.sessions_end_at IS NULL`
	countHeldOfChatbotSQL = countHeldSQL + ` AND +s.chatbot_id = ?`
)

// CountHeld counts the open conversations waiting for a person and those
// people hold, on a chatbot (0: every chatbot). The navigation asks it on
// every page, so it reads the partial index chat_sessions_held only: the
// held_since term is what lets SQLite's planner choose it (without it, it
// scanned every open session: 0.3 s a page at 100,000 open).
func (q queries) CountHeld(ctx context.Context, chatbotID int64) (waiting, person int, err error) {
	query := countHeldSQL
	var args []any
	if chatbotID != 0 {
		query, args = countHeldOfChatbotSQL, append(args, chatbotID)
	}
	err = q.q.QueryRowContext(ctx, query, args...).Scan(&waiting, &person)
	return waiting, person, err
}

// OverdueWaiting lists up to limit open conversations that waited for a
// person past their handover deadline (expires_at) at now, oldest
// deadline first.
func (q queries) OverdueWaiting(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	return q.ids(ctx, `SELECT s.id FROM chat_sessions s JOIN chatbots c ON c.id = s.chatbot_id
		WHERE s.held_by = 'waiting' AND s.held_by <> 'bot' AND s.closed_at IS NULL AND s.held_since IS NOT NULL AND c.sessions_end_at IS NULL AND s.expires_at <= ?
		ORDER BY s.expires_at, s.id LIMIT ?`, fmtTime(now), limit)
}

// RehomeHeldSessions keeps the conversations people hold on a sender
// whose chatbot stopped (its sessions ended logically: a grace end, a
// deactivation, a cascade) with people: they move, still held, to the
// sender's active chatbot and its latest release, so that no person is
// cut off mid-conversation by a redeploy. It returns the sessions moved
// and, when the sender has no active chatbot, the ones that stay closed
// with their chatbot's end (their reason is that chatbot's
// sessions_end_reason).
func (t *Tx) RehomeHeldSessions(ctx context.Context, senderID int64) (moved, closed []HeldSession, err error) {
	// Few rows: the conversations people hold on one sender.
	stranded, err := t.ids(ctx, `SELECT s.id FROM chat_sessions s JOIN chatbots c ON c.id = s.chatbot_id
		WHERE s.sender_id = ? AND s.held_by <> 'bot' AND s.closed_at IS NULL AND c.sessions_end_at IS NOT NULL ORDER BY s.id`, senderID)
	if err != nil || len(stranded) == 0 {
		return nil, nil, err
	}
	active, release, err := t.ActiveRoutingChatbot(ctx, senderID)
	if errors.Is(err, ErrNotFound) {
		for _, id := range stranded {
			s, err := t.ChatSessionByID(ctx, id)
			if err != nil {
				return nil, nil, err
			}
			closed = append(closed, HeldSession{ChatSession: s})
		}
		return nil, closed, nil
	}
	if err != nil {
		return nil, nil, err
	}
	for _, id := range stranded {
		if _, err := t.q.ExecContext(ctx, `UPDATE chat_sessions SET chatbot_id = ?1, open_on = ?1, release_id = ?2 WHERE id = ?3 AND closed_at IS NULL`,
			active.ID, nullableID(release), id); err != nil {
			return nil, nil, constraintError(err)
		}
		s, err := t.ChatSessionByID(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		moved = append(moved, HeldSession{ChatSession: s})
	}
	return moved, nil, nil
}
