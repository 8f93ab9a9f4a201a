package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ServerSecretSize is the length of a server secret, in bytes.
const ServerSecretSize = 32

// ServerSecret returns the installation's secret of that name, made on
// first use: 32 random bytes, stored once. Every server on the database
// reads the same one (the first insert wins; a replica that raced it
// reads the winner's), so what one replica signs, every replica checks.
func (s *Store) ServerSecret(ctx context.Context, name string) ([]byte, error) {
	b, err := s.serverSecret(ctx, name)
	if !errors.Is(err, ErrNotFound) {
		return b, err
	}
	fresh := make([]byte, ServerSecretSize)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	if _, err := s.W.ExecContext(ctx,
		`INSERT INTO server_secrets (name, secret, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
		name, fresh, fmtTime(time.Now())); err != nil {
		return nil, fmt.Errorf("make the server secret %q: %w", name, err)
	}
	return s.serverSecret(ctx, name)
}

func (s *Store) serverSecret(ctx context.Context, name string) ([]byte, error) {
	var b []byte
	err := s.R.QueryRowContext(ctx, `SELECT secret FROM server_secrets WHERE name = ?`, name).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read the server secret %q: %w", name, err)
	}
	if len(b) < ServerSecretSize {
		return nil, fmt.Errorf("the server secret %q has %d bytes, want %d", name, len(b), ServerSecretSize)
	}
	return b, nil
}
