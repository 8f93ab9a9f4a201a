package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Release is the snapshot a chatbot was activated with.
type Release struct {
	ID             int64
	ChatbotID      int64
	Number         int
	Definition     []byte
	DefinitionHash string
	Report         []byte // JSON list of findings
	OverrideReason string
	ActivatedByID  int64
	ActivatedBy    string
	ActivatedAt    time.Time
	// TestResults are the conversation-test results at activation: JSON,
	// a list of chatbot.TestResult; empty for releases made before they
	// were recorded.
	TestResults []byte
}

// CreateRelease stores the next release of a chatbot.
func (t *Tx) CreateRelease(ctx context.Context, r Release) (Release, error) {
	err := t.q.QueryRowContext(ctx, `SELECT coalesce(max(number), 0) + 1 FROM releases WHERE chatbot_id = ?`, r.ChatbotID).Scan(&r.Number)
	if err != nil {
		return Release{}, err
	}
	err = t.q.QueryRowContext(ctx, `INSERT INTO releases
		(chatbot_id, number, definition, definition_hash, report, override_reason, activated_by_id, activated_by, activated_at, test_results)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.ChatbotID, r.Number, string(r.Definition), r.DefinitionHash, string(r.Report), r.OverrideReason,
		nullableID(r.ActivatedByID), r.ActivatedBy, fmtTime(r.ActivatedAt), string(r.TestResults)).Scan(&r.ID)
	if err != nil {
		return Release{}, err
	}
	return r, nil
}

const releaseColumns = `id, chatbot_id, number, definition, definition_hash, report, override_reason, coalesce(activated_by_id, 0), activated_by, activated_at, test_results`

func scanRelease(row interface{ Scan(...any) error }) (Release, error) {
	var r Release
	var def, report, at, tests string
	err := row.Scan(&r.ID, &r.ChatbotID, &r.Number, &def, &r.DefinitionHash, &report, &r.OverrideReason, &r.ActivatedByID, &r.ActivatedBy, &at, &tests)
	if errors.Is(err, sql.ErrNoRows) {
		return Release{}, ErrNotFound
	}
	r.Definition, r.Report, r.ActivatedAt = []byte(def), []byte(report), parseTime(at)
	if tests != "" {
		r.TestResults = []byte(tests)
	}
	return r, err
}

// LatestRelease is a chatbot's newest release: the one it runs while
// active or deactivated.
func (q queries) LatestRelease(ctx context.Context, chatbotID int64) (Release, error) {
	return scanRelease(q.q.QueryRowContext(ctx, `SELECT `+releaseColumns+` FROM releases WHERE chatbot_id = ? ORDER BY number DESC LIMIT 1`, chatbotID))
}

// Releases lists a chatbot's releases, newest first.
func (q queries) Releases(ctx context.Context, chatbotID int64) ([]Release, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT `+releaseColumns+` FROM releases WHERE chatbot_id = ? ORDER BY number DESC`, chatbotID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Release
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ReleaseByNumber is one release of a chatbot.
func (q queries) ReleaseByNumber(ctx context.Context, chatbotID int64, number int) (Release, error) {
	return scanRelease(q.q.QueryRowContext(ctx, `SELECT `+releaseColumns+` FROM releases WHERE chatbot_id = ? AND number = ?`, chatbotID, number))
}

// ReleaseByID is one release (a transcript names the release its session
// ran).
func (q queries) ReleaseByID(ctx context.Context, id int64) (Release, error) {
	return scanRelease(q.q.QueryRowContext(ctx, `SELECT `+releaseColumns+` FROM releases WHERE id = ?`, id))
}
