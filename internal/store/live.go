package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// A conversation's live view (the web chat's event stream) reads the
// messages of an end user on a sender by id. The id is a usable sequence
// for one conversation: routing stores a conversation's messages under
// the lock on its session (or, for a new session, after the one-open
// index let it in), so they commit in the order of their ids, on either
// engine, and a reader that has seen id n has seen every earlier message
// of the conversation.

// LiveMessage is a message of a conversation as its live view shows it.
type LiveMessage struct {
	ID        int64
	SessionID int64
	Direction string // "in", "out" (the bot) or DirectionPerson
	// Author is the name of the person who wrote a DirectionPerson
	// message.
	Author string
	Text   string
	At     time.Time
	// Notice is set on the chatbot's first reply of a session when it is
	// the notice that the end user's previous session was closed (by a
	// deactivation, a grace end or a cascade): routing sends it first.
	Notice bool
	// Ended is set on the last message of a session the conversation
	// itself finished (completed, or its step limit).
	Ended bool
}

// ConversationMessagesAfter returns up to limit messages of endUser on
// sender senderID with ids above after, in order.
func (q queries) ConversationMessagesAfter(ctx context.Context, senderID int64, endUser string, after int64, limit int) ([]LiveMessage, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT m.id, m.session_id, CASE WHEN m.author_id IS NOT NULL THEN 'person' ELSE m.direction END,
		coalesce((SELECT u.name FROM users u WHERE u.id = m.author_id), ''), m.text, m.at,
		CASE WHEN s.close_reason IN ('completed', 'step_limit') AND m.id = (SELECT max(l.id) FROM messages l WHERE l.session_id = s.id) THEN 1 ELSE 0 END,
		CASE WHEN m.direction = 'out' AND m.id = (SELECT min(f.id) FROM messages f WHERE f.session_id = s.id AND f.direction = 'out')
			AND (SELECT p.close_reason FROM chat_sessions p WHERE p.sender_id = s.sender_id AND p.end_user = s.end_user AND p.id < s.id ORDER BY p.id DESC LIMIT 1)
				IN ('deactivated', 'grace_ended', 'superseded') THEN 1 ELSE 0 END
		FROM messages m JOIN chat_sessions s ON s.id = m.session_id
		WHERE s.sender_id = ? AND s.end_user = ? AND m.id > ?
		ORDER BY m.id LIMIT ?`, senderID, endUser, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LiveMessage
	for rows.Next() {
		var m LiveMessage
		var at string
		var ended, notice int64
		if err := rows.Scan(&m.ID, &m.SessionID, &m.Direction, &m.Author, &m.Text, &at, &ended, &notice); err != nil {
			return nil, err
		}
		m.At, m.Ended, m.Notice = parseTime(at), ended != 0, notice != 0
		out = append(out, m)
	}
	return out, rows.Err()
}

// LastConversationMessage is the id of the latest message of endUser on
// sender senderID, or 0 when they have none.
func (q queries) LastConversationMessage(ctx context.Context, senderID int64, endUser string) (int64, error) {
	var id int64
	err := q.q.QueryRowContext(ctx, `SELECT coalesce(max(m.id), 0) FROM messages m
		WHERE m.session_id IN (SELECT s.id FROM chat_sessions s WHERE s.sender_id = ? AND s.end_user = ?)`, senderID, endUser).Scan(&id)
	return id, err
}

// ErrNoListen is Listen's answer on SQLite, where one process holds the
// database and has no one to listen to.
var ErrNoListen = errors.New("store: LISTEN needs PostgreSQL")

// Listen holds a connection of its own LISTENing on channel and calls
// handle with each notification's payload, until ctx ends or the
// connection fails (its error is returned; the caller connects again).
// ready is called once the LISTEN is in place: notifications sent before
// it were not heard.
func (s *Store) Listen(ctx context.Context, channel string, ready func(), handle func(payload string)) error {
	if s.pg == nil {
		return ErrNoListen
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.ConnectConfig(cctx, s.pg.cfg)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	ready()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		handle(n.Payload)
	}
}

// Notify sends payload on channel to every replica's Listen (this one's
// too). On SQLite it does nothing.
func (s *Store) Notify(ctx context.Context, channel, payload string) error {
	if s.pg == nil {
		return nil
	}
	_, err := s.W.ExecContext(ctx, `SELECT pg_notify(?, ?)`, channel, payload)
	return err
}
