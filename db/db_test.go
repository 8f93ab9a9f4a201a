package db

import (
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"testing"
)

// migrationName is a goose migration file: its version and its name.
var migrationName = regexp.MustCompile(`^(\d{5})_([a-z0-9_]+)\.sql$`)

// versions lists engine's migrations as version → name, failing on a
// file that is not one.
func versions(t *testing.T, engine string) map[int]string {
	t.Helper()
	files, err := fs.ReadDir(Migrations, "migrations/"+engine)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]string{}
	for _, f := range files {
		m := migrationName.FindStringSubmatch(f.Name())
		if m == nil {
			t.Errorf("migrations/%s/%s is not named NNNNN_name.sql", engine, f.Name())
			continue
		}
		v, _ := strconv.Atoi(m[1])
		if prev, ok := out[v]; ok {
			t.Errorf("migrations/%s: version %d twice (%s, %s)", engine, v, prev, m[2])
		}
		out[v] = m[2]
	}
	return out
}

// TestMigrationsInStep: from 00011 on, a schema change is one version with
// a file of the same name in each engine's folder (PostgreSQL starts at
// 00010 with SQLite's whole schema of that version), so no change reaches
// one engine only. That each folder applies on its engine is the store's
// tests' work: every one opens a database migrated from them.
func TestMigrationsInStep(t *testing.T) {
	sqlite, postgres := versions(t, "sqlite"), versions(t, "postgres")
	if _, ok := postgres[10]; !ok {
		t.Errorf("PostgreSQL's schema starts at 00010, which is missing")
	}
	var all []int
	for v := range sqlite {
		all = append(all, v)
	}
	for v := range postgres {
		if _, ok := sqlite[v]; !ok {
			all = append(all, v)
		}
	}
	slices.Sort(all)
	for _, v := range all {
		s, inS := sqlite[v]
		p, inP := postgres[v]
		switch {
		case v < 10 && inP:
			t.Errorf("PostgreSQL has version %d, before its whole-schema 00010", v)
		case v <= 10:
		case !inS:
			t.Errorf("version %05d_%s is PostgreSQL's only: add SQLite's", v, p)
		case !inP:
			t.Errorf("version %05d_%s is SQLite's only: add PostgreSQL's", v, s)
		case s != p:
			t.Errorf("version %d is %q on SQLite but %q on PostgreSQL", v, s, p)
		}
	}
	if len(all) == 0 || all[len(all)-1] < 49 {
		t.Errorf("found migrations up to %v only", all)
	}
}
