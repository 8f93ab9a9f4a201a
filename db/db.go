// Package db holds the database schema as numbered, forward-only SQL
// migrations, embedded in the binary.
package db

import "embed"

// Migrations are the goose migrations, applied in order, each in its own
// transaction.
//
//go:embed migrations/*.sql
var Migrations embed.FS
