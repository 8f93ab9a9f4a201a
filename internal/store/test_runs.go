package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// TestRun is the last recorded run of a chatbot's conversation tests.
type TestRun struct {
	ChatbotID      int64
	DefinitionHash string // of the definition the tests ran on
	Results        []byte // JSON, a list of chatbot.TestResult
	RunBy          string
	RunAt          time.Time
}

// LastTestRun reads the last recorded test run of a chatbot; ErrNotFound
// when its tests never ran.
func (q queries) LastTestRun(ctx context.Context, chatbotID int64) (TestRun, error) {
	r := TestRun{ChatbotID: chatbotID}
	var results, at string
	err := q.q.QueryRowContext(ctx, `SELECT definition_hash, results, run_by, run_at FROM test_runs WHERE chatbot_id = ?`, chatbotID).
		Scan(&r.DefinitionHash, &results, &r.RunBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return TestRun{}, ErrNotFound
	}
	r.Results, r.RunAt = []byte(results), parseTime(at)
	return r, err
}

// RecordTestRun replaces a chatbot's last test run. A chatbot deleted
// meanwhile is ErrNotFound.
func (t *Tx) RecordTestRun(ctx context.Context, r TestRun) error {
	var exists int
	err := t.q.QueryRowContext(ctx, `SELECT count(*) FROM chatbots WHERE id = ?`, r.ChatbotID).Scan(&exists)
	if err != nil {
		return err
	}
	if exists == 0 {
		return ErrNotFound
	}
	_, err = t.q.ExecContext(ctx, `INSERT INTO test_runs (chatbot_id, definition_hash, results, run_by, run_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (chatbot_id) DO UPDATE SET definition_hash = excluded.definition_hash, results = excluded.results,
		run_by = excluded.run_by, run_at = excluded.run_at`,
		r.ChatbotID, r.DefinitionHash, string(r.Results), r.RunBy, fmtTime(r.RunAt))
	return err
}
