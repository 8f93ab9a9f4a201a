package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Sender is a channel address end users write to.
type Sender struct {
	ID         int64
	Channel    string
	Address    string
	InboundKey string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Embed is how a livechat sender's web chat is embedded in other
	// sites and how it looks there; the zero value for other channels.
	Embed Embed
}

// Embed is a livechat sender's embeddable web chat: the origins allowed
// to frame it, and its appearance. The senders service validates it; an
// empty field is the default.
type Embed struct {
	AllowedOrigins []string `json:"allowed_origins,omitempty"`
	Title          string   `json:"title,omitempty"`
	Accent         string   `json:"accent,omitempty"`   // #rrggbb
	Avatar         string   `json:"avatar,omitempty"`   // an https URL
	Greeting       string   `json:"greeting,omitempty"` // the first line the chat shows
	Position       string   `json:"position,omitempty"` // of the launcher: left or right
}

// IsZero reports whether e is the default: not embeddable, default look.
func (e Embed) IsZero() bool {
	return len(e.AllowedOrigins) == 0 && e.Title == "" && e.Accent == "" && e.Avatar == "" && e.Greeting == "" && e.Position == ""
}

const senderColumns = `id, channel, address, inbound_key, created_at, updated_at, embed`

func scanSender(row interface{ Scan(...any) error }) (Sender, error) {
	var s Sender
	var created, updated, embed string
	err := row.Scan(&s.ID, &s.Channel, &s.Address, &s.InboundKey, &created, &updated, &embed)
	if errors.Is(err, sql.ErrNoRows) {
		return Sender{}, ErrNotFound
	}
	s.CreatedAt, s.UpdatedAt = parseTime(created), parseTime(updated)
	if err == nil {
		err = decodeEmbed(embed, &s.Embed)
	}
	return s, err
}

// decodeEmbed reads the embed column (” is the default).
func decodeEmbed(v string, e *Embed) error {
	if v == "" {
		return nil
	}
	return json.Unmarshal([]byte(v), e)
}

// SenderByID loads one sender.
func (q queries) SenderByID(ctx context.Context, id int64) (Sender, error) {
	return scanSender(q.q.QueryRowContext(ctx, `SELECT `+senderColumns+` FROM senders WHERE id = ?`, id))
}

// SenderByAddress finds the sender of a channel and address.
func (q queries) SenderByAddress(ctx context.Context, channel, address string) (Sender, error) {
	return scanSender(q.q.QueryRowContext(ctx, `SELECT `+senderColumns+` FROM senders WHERE channel = ? AND address = ?`, channel, address))
}

// SenderSummary is a sender with what runs on it.
type SenderSummary struct {
	Sender
	ActiveChatbotID   int64
	ActiveChatbotName string
	Chatbots          int
}

// Senders lists every sender by channel and address.
func (q queries) Senders(ctx context.Context) ([]SenderSummary, error) {
	rows, err := q.q.QueryContext(ctx, `
		SELECT s.id, s.channel, s.address, s.inbound_key, s.created_at, s.updated_at, s.embed,
		       coalesce(a.id, 0), coalesce(a.name, ''),
		       (SELECT count(*) FROM chatbots c WHERE c.sender_id = s.id)
		FROM senders s
		LEFT JOIN chatbots a ON a.sender_id = s.id AND a.status = 'active'
		ORDER BY s.channel, s.address`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SenderSummary
	for rows.Next() {
		var s SenderSummary
		var created, updated, embed string
		if err := rows.Scan(&s.ID, &s.Channel, &s.Address, &s.InboundKey, &created, &updated, &embed,
			&s.ActiveChatbotID, &s.ActiveChatbotName, &s.Chatbots); err != nil {
			return nil, err
		}
		s.CreatedAt, s.UpdatedAt = parseTime(created), parseTime(updated)
		if err := decodeEmbed(embed, &s.Embed); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// CreateSender inserts a sender; ErrDuplicate when the channel already has
// that address.
func (t *Tx) CreateSender(ctx context.Context, channel, address, key string, now time.Time) (Sender, error) {
	t.sendersChanged = true
	var id int64
	err := t.q.QueryRowContext(ctx,
		`INSERT INTO senders (channel, address, inbound_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		channel, address, key, fmtTime(now), fmtTime(now)).Scan(&id)
	if err != nil {
		return Sender{}, constraintError(err)
	}
	return t.SenderByID(ctx, id)
}

// SetSenderKey replaces a sender's inbound key.
func (t *Tx) SetSenderKey(ctx context.Context, id int64, key string, now time.Time) error {
	t.sendersChanged = true
	res, err := t.q.ExecContext(ctx, `UPDATE senders SET inbound_key = ?, updated_at = ? WHERE id = ?`, key, fmtTime(now), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetSenderAddress changes a sender's address; ErrDuplicate when the
// channel already has that address, ErrNotFound for an unknown sender.
func (t *Tx) SetSenderAddress(ctx context.Context, id int64, address string, now time.Time) error {
	t.sendersChanged = true // the inbound cache must stop routing the old address
	res, err := t.q.ExecContext(ctx, `UPDATE senders SET address = ?, updated_at = ? WHERE id = ?`, address, fmtTime(now), id)
	if err != nil {
		return constraintError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetSenderEmbed replaces a livechat sender's embed settings;
// ErrNotFound for an unknown sender. (The database refuses them on
// another channel's sender: the service says why first.)
func (t *Tx) SetSenderEmbed(ctx context.Context, id int64, e Embed, now time.Time) error {
	t.sendersChanged = true // the chat page reads senders through the cache
	v := ""
	if !e.IsZero() {
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		v = string(b)
	}
	res, err := t.q.ExecContext(ctx, `UPDATE senders SET embed = ?, updated_at = ? WHERE id = ?`, v, fmtTime(now), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SenderUse is what refers to a sender: the chatbots on it (up to a few
// names) and whether any conversation ever ran on it.
type SenderUse struct {
	Chatbots     int
	ChatbotNames []string
	HasSessions  bool
}

// SenderUse says what refers to a sender.
func (q queries) SenderUse(ctx context.Context, id int64) (SenderUse, error) {
	var u SenderUse
	rows, err := q.q.QueryContext(ctx, `SELECT name FROM chatbots WHERE sender_id = ? ORDER BY name, id`, id)
	if err != nil {
		return u, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return u, err
		}
		u.Chatbots++
		if len(u.ChatbotNames) < 3 {
			u.ChatbotNames = append(u.ChatbotNames, name)
		}
	}
	if err := rows.Err(); err != nil {
		return u, err
	}
	var one int
	err = q.q.QueryRowContext(ctx, `SELECT 1 FROM chat_sessions WHERE sender_id = ? LIMIT 1`, id).Scan(&one)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return u, err
	}
	u.HasSessions = err == nil
	return u, nil
}

// DeleteSender removes a sender; ErrSenderInUse when a chatbot or a
// session still refers to it (the foreign keys decide, so a chatbot moved
// onto it meanwhile by another transaction is not orphaned).
func (t *Tx) DeleteSender(ctx context.Context, id int64) error {
	t.sendersChanged = true
	res, err := t.q.ExecContext(ctx, `DELETE FROM senders WHERE id = ?`, id)
	if err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed") {
		return ErrSenderInUse // SQLite names no constraint; a sender's delete can only fail on these
	}
	if err != nil {
		return constraintError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
