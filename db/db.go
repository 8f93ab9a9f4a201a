// Package db holds the database schema as numbered, forward-only SQL
// migrations, embedded in the binary: one folder per engine
// (migrations/sqlite, migrations/postgres). From version 00011 on, a
// schema change is one version number with a file in each folder, so a
// reader sees at a glance where the engines part; PostgreSQL starts at
// 00010 with the whole schema SQLite had reached by then.
package db

import "embed"

// Migrations are the goose migrations, applied in order, each in its own
// transaction.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var Migrations embed.FS
