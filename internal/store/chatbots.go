package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// Chatbot statuses.
const (
	StatusInactive    = "inactive"
	StatusActive      = "active"
	StatusDeactivated = "deactivated"
)

// Chatbot is a chatbot as stored; the definition is kept as JSON text and
// parsed by the chatbot package.
type Chatbot struct {
	ID                int64
	Name              string
	Language          string
	Channel           string
	SenderID          int64 // 0 when unset
	SessionTimeout    time.Duration
	Definition        []byte
	Version           int64
	Status            string
	GraceEndsAt       time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
	FirstActivatedAt  time.Time
	LastActivatedAt   time.Time
	LastDeactivatedAt time.Time
	// FamilyID is the family's key: the id of its first chatbot (this
	// chatbot's own id when it is the first or has no other versions).
	FamilyID int64
	// BasedOnID is the chatbot this version was made from; 0 for none.
	BasedOnID int64
	// FamilyVersion is the N of "<base> vN": 1 for a family's first.
	FamilyVersion int
	// SessionsEndAt and SessionsEndReason are set on an inactive chatbot
	// whose sessions ended logically (a grace end, a deactivation without
	// grace, a cascade) while the sweeper has not yet rewritten every row:
	// a still-open row of it is closed at SessionsEndAt (or its last
	// activity, if later) with SessionsEndReason. Zero otherwise.
	SessionsEndAt     time.Time
	SessionsEndReason string
}

// SessionsEnding reports whether the chatbot's sessions ended logically
// and some rows may still be open until the sweeper rewrites them.
func (c Chatbot) SessionsEnding() bool { return !c.SessionsEndAt.IsZero() }

// Draft reports whether the chatbot was never activated.
func (c Chatbot) Draft() bool { return c.FirstActivatedAt.IsZero() }

// Editable reports whether the chatbot may be edited: only inactive ones.
func (c Chatbot) Editable() bool { return c.Status == StatusInactive }

const chatbotColumns = `c.id, c.name, c.language, c.channel, coalesce(c.sender_id, 0), c.session_timeout_seconds, c.definition,
	c.version, c.status, c.grace_ends_at, c.created_at, c.updated_at, c.first_activated_at, c.last_activated_at, c.last_deactivated_at,
	coalesce(c.family_id, c.id), coalesce(c.based_on_id, 0), c.family_version, c.sessions_end_at, coalesce(c.sessions_end_reason, '')`

func scanChatbot(row interface{ Scan(...any) error }, extra ...any) (Chatbot, error) {
	var c Chatbot
	var timeout int64
	var def string
	var created, updated string
	var grace, first, last, deact, ending sql.NullString
	dest := append([]any{&c.ID, &c.Name, &c.Language, &c.Channel, &c.SenderID, &timeout, &def,
		&c.Version, &c.Status, &grace, &created, &updated, &first, &last, &deact,
		&c.FamilyID, &c.BasedOnID, &c.FamilyVersion, &ending, &c.SessionsEndReason}, extra...)
	err := row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return Chatbot{}, ErrNotFound
	}
	if err != nil {
		return Chatbot{}, err
	}
	c.SessionTimeout = time.Duration(timeout) * time.Second
	c.Definition = []byte(def)
	c.GraceEndsAt, c.FirstActivatedAt, c.LastActivatedAt, c.LastDeactivatedAt = nullTime(grace), nullTime(first), nullTime(last), nullTime(deact)
	c.CreatedAt, c.UpdatedAt = parseTime(created), parseTime(updated)
	c.SessionsEndAt = nullTime(ending)
	return c, nil
}

// ChatbotByID loads one chatbot.
func (q queries) ChatbotByID(ctx context.Context, id int64) (Chatbot, error) {
	return scanChatbot(q.q.QueryRowContext(ctx, `SELECT `+chatbotColumns+` FROM chatbots c WHERE c.id = ?`, id))
}

// headColumns are chatbotColumns without the definition, which is the
// bulk of a row: lists show none.
var headColumns = strings.Replace(chatbotColumns, "c.definition", "''", 1)

// routingColumns are what routing needs of a chatbot: its status, grace
// end, session timeout and version (the definition is parsed once per
// version and kept), and when and why its sessions ended if they did.
const routingColumns = `id, coalesce(sender_id, 0), session_timeout_seconds, version, status, grace_ends_at, sessions_end_at, coalesce(sessions_end_reason, '')`

func scanRouting(row *sql.Row) (Chatbot, error) {
	var c Chatbot
	var timeout int64
	var grace, ending sql.NullString
	err := row.Scan(&c.ID, &c.SenderID, &timeout, &c.Version, &c.Status, &grace, &ending, &c.SessionsEndReason)
	if errors.Is(err, sql.ErrNoRows) {
		return Chatbot{}, ErrNotFound
	}
	c.SessionTimeout, c.GraceEndsAt, c.SessionsEndAt = time.Duration(timeout)*time.Second, nullTime(grace), nullTime(ending)
	return c, err
}

// RoutingChatbot loads what routing needs of one chatbot (routingColumns);
// the other fields are zero.
func (q queries) RoutingChatbot(ctx context.Context, id int64) (Chatbot, error) {
	return scanRouting(q.q.QueryRowContext(ctx, `SELECT `+routingColumns+` FROM chatbots WHERE id = ?`, id))
}

// ActiveRoutingChatbot is RoutingChatbot for the sender's active chatbot,
// with the id of its latest release (0 if it has none), which a session
// opened on it runs: one query where a session opens.
func (q queries) ActiveRoutingChatbot(ctx context.Context, senderID int64) (Chatbot, int64, error) {
	var c Chatbot
	var timeout, release int64
	var grace, ending sql.NullString
	err := q.q.QueryRowContext(ctx, `SELECT `+routingColumns+`,
		coalesce((SELECT r.id FROM releases r WHERE r.chatbot_id = chatbots.id ORDER BY r.number DESC LIMIT 1), 0)
		FROM chatbots WHERE sender_id = ? AND status = 'active'`, senderID).Scan(&c.ID, &c.SenderID, &timeout, &c.Version, &c.Status, &grace, &ending, &c.SessionsEndReason, &release)
	if errors.Is(err, sql.ErrNoRows) {
		return Chatbot{}, 0, ErrNotFound
	}
	c.SessionTimeout, c.GraceEndsAt = time.Duration(timeout)*time.Second, nullTime(grace)
	return c, release, err
}

// ChatbotDefinition returns a chatbot's definition and its version.
func (q queries) ChatbotDefinition(ctx context.Context, id int64) ([]byte, int64, error) {
	var def string
	var version int64
	err := q.q.QueryRowContext(ctx, `SELECT definition, version FROM chatbots WHERE id = ?`, id).Scan(&def, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, ErrNotFound
	}
	return []byte(def), version, err
}

// ActiveChatbot returns the sender's active chatbot.
func (q queries) ActiveChatbot(ctx context.Context, senderID int64) (Chatbot, error) {
	return scanChatbot(q.q.QueryRowContext(ctx, `SELECT `+chatbotColumns+` FROM chatbots c WHERE c.sender_id = ? AND c.status = 'active'`, senderID))
}

// ChatbotFilter narrows and orders the chatbot list.
type ChatbotFilter struct {
	Status   string // inactive, active, deactivated, draft, or "" for all
	Channel  string
	SenderID int64
	// SenderText keeps chatbots whose sender's "channel address"
	// contains it, in any case ("sms +1555", "1555").
	SenderText string
	Query      string // part of the name
	Sort       string // name, -name, updated, -updated, status
	Limit      int
	Offset     int
	// Since is the start of "today" (in the viewer's zone) for the
	// sessions-today count.
	Since time.Time
	// Families lists one row per family: of the members that match, the
	// live one (active, else in grace), else the newest; the row carries
	// the family's other members. Total then counts families.
	Families bool
}

// ChatbotRow is a chatbot with its dashboard numbers.
type ChatbotRow struct {
	Chatbot
	SenderAddress string
	OpenSessions  int
	SessionsToday int
	LastActivity  time.Time
	// Others are the other members of the row's family, newest version
	// first (only when the filter asked for Families).
	Others []Chatbot
}

// Family lists every member of the family with key familyID (see
// Chatbot.FamilyID), newest version first, without their definitions.
func (q queries) Family(ctx context.Context, familyID int64) ([]Chatbot, error) {
	return q.chatbotHeads(ctx, `WHERE c.family_id = ? OR (c.id = ? AND c.family_id IS NULL)
		ORDER BY c.family_version DESC, c.id DESC`, familyID, familyID)
}

// chatbotHeads lists chatbots without their definitions.
func (q queries) chatbotHeads(ctx context.Context, where string, args ...any) ([]Chatbot, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT `+headColumns+` FROM chatbots c `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Chatbot
	for rows.Next() {
		c, err := scanChatbot(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// NewChatbot is what CreateChatbot needs.
type NewChatbot struct {
	Name           string
	Language       string
	Channel        string
	SenderID       int64
	SessionTimeout time.Duration
	Definition     []byte
	// FamilyID, BasedOnID and FamilyVersion place a new version in its
	// family (see Chatbot); zero for a chatbot of its own.
	FamilyID      int64
	BasedOnID     int64
	FamilyVersion int
}

// CreateChatbot inserts an inactive chatbot; ErrDuplicate when the name is
// taken.
func (t *Tx) CreateChatbot(ctx context.Context, n NewChatbot, now time.Time) (Chatbot, error) {
	var id int64
	err := t.q.QueryRowContext(ctx, `INSERT INTO chatbots
		(name, language, channel, sender_id, session_timeout_seconds, definition, created_at, updated_at,
		family_id, based_on_id, family_version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		n.Name, n.Language, n.Channel, nullableID(n.SenderID), int64(n.SessionTimeout/time.Second), string(n.Definition), fmtTime(now), fmtTime(now),
		nullableID(n.FamilyID), nullableID(n.BasedOnID), max(n.FamilyVersion, 1)).Scan(&id)
	if err != nil {
		return Chatbot{}, constraintError(err)
	}
	return t.ChatbotByID(ctx, id)
}

// ErrStale is returned when a chatbot changed since the version an edit
// started from.
var ErrStale = errors.New("the chatbot was changed by someone else")

// ErrNotEditable is returned when an edit reaches a chatbot that is not
// inactive.
var ErrNotEditable = errors.New("only inactive chatbots can be edited")

// UpdateChatbot saves an edit made from version c.Version, and bumps the
// version. Only inactive chatbots are changed; the check and the write are
// one statement.
func (t *Tx) UpdateChatbot(ctx context.Context, c Chatbot, now time.Time) (Chatbot, error) {
	res, err := t.q.ExecContext(ctx, `UPDATE chatbots SET name = ?, language = ?, channel = ?, sender_id = ?,
		session_timeout_seconds = ?, definition = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ? AND status = 'inactive'`,
		c.Name, c.Language, c.Channel, nullableID(c.SenderID), int64(c.SessionTimeout/time.Second), string(c.Definition), fmtTime(now),
		c.ID, c.Version)
	if err != nil {
		return Chatbot{}, constraintError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		cur, err := t.ChatbotByID(ctx, c.ID)
		switch {
		case err != nil:
			return Chatbot{}, err
		case cur.Status != StatusInactive:
			return Chatbot{}, ErrNotEditable
		default:
			return Chatbot{}, ErrStale
		}
	}
	return t.ChatbotByID(ctx, c.ID)
}

// SetChatbotStatus moves a chatbot to a status, keeping the activation
// timestamps. The database refuses a status that would break I1–I4.
func (t *Tx) SetChatbotStatus(ctx context.Context, id int64, status string, graceEnds, now time.Time) error {
	var query string
	args := []any{fmtTime(now), id}
	switch status {
	case StatusActive:
		// A chatbot whose sessions are still being swept finishes that
		// first: once active, its open rows would count as open again.
		if _, err := t.SweepEndedSessions(ctx, id, 0); err != nil {
			return err
		}
		query = `UPDATE chatbots SET status = 'active', grace_ends_at = NULL,
			first_activated_at = coalesce(first_activated_at, ?1), last_activated_at = ?1 WHERE id = ?2`
	case StatusDeactivated:
		query = `UPDATE chatbots SET status = 'deactivated', grace_ends_at = ?3, last_deactivated_at = ?1 WHERE id = ?2`
		args = append(args, nullableTime(graceEnds))
	default:
		query = `UPDATE chatbots SET status = 'inactive', grace_ends_at = NULL,
			last_deactivated_at = CASE WHEN status = 'inactive' THEN last_deactivated_at ELSE ?1 END WHERE id = ?2`
	}
	res, err := t.q.ExecContext(ctx, query, args...)
	if err != nil {
		return constraintError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if status == StatusDeactivated {
		return t.noteDeadline(ctx)
	}
	return nil
}

// ChatbotByName finds a chatbot by name, ignoring case.
func (q queries) ChatbotByName(ctx context.Context, name string) (Chatbot, error) {
	return scanChatbot(q.q.QueryRowContext(ctx, `SELECT `+chatbotColumns+` FROM chatbots c WHERE c.name = ? COLLATE NOCASE`, name))
}

// DeactivatedChatbot returns the sender's chatbot in grace.
func (q queries) DeactivatedChatbot(ctx context.Context, senderID int64) (Chatbot, error) {
	return scanChatbot(q.q.QueryRowContext(ctx, `SELECT `+chatbotColumns+` FROM chatbots c WHERE c.sender_id = ? AND c.status = 'deactivated'`, senderID))
}

// GracesDue lists deactivated chatbots whose grace ended by now.
func (q queries) GracesDue(ctx context.Context, now time.Time) ([]int64, error) {
	return q.ids(ctx, `SELECT id FROM chatbots WHERE status = 'deactivated' AND grace_ends_at <= ? ORDER BY grace_ends_at`, fmtTime(now))
}

// ids runs a query of one id column and lists the ids in its order.
func (q queries) ids(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// SetGraceEnd moves a deactivated chatbot's grace end.
func (t *Tx) SetGraceEnd(ctx context.Context, id int64, end time.Time) error {
	res, err := t.q.ExecContext(ctx, `UPDATE chatbots SET grace_ends_at = ? WHERE id = ? AND status = 'deactivated'`, fmtTime(end), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return t.noteDeadline(ctx)
}

// DeleteChatbot removes a chatbot that was never activated, and reports
// whether it did. A chatbot that was ever activated has sessions,
// transcripts and audit history that must stay.
func (t *Tx) DeleteChatbot(ctx context.Context, id int64) (bool, error) {
	res, err := t.q.ExecContext(ctx, `DELETE FROM chatbots WHERE id = ? AND first_activated_at IS NULL AND status = 'inactive'
		AND NOT EXISTS (SELECT 1 FROM chat_sessions WHERE chatbot_id = ?)`, id, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CountChatbots counts every chatbot.
func (q queries) CountChatbots(ctx context.Context) (int, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM chatbots`).Scan(&n)
	return n, err
}

// NextGraceEnd is the earliest grace end of a deactivated chatbot; zero
// when none is in grace.
func (q queries) NextGraceEnd(ctx context.Context) (time.Time, error) {
	var s sql.NullString
	err := q.q.QueryRowContext(ctx, `SELECT min(grace_ends_at) FROM chatbots WHERE status = 'deactivated'`).Scan(&s)
	return nullTime(s), err
}
