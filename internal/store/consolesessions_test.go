package store

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// TestSessionStoreKeepsOnlyAHash: a session is found by its token, expires,
// is replaced and deleted, and the database never holds the token itself.
func TestSessionStoreKeepsOnlyAHash(t *testing.T) {
	st, _ := openStore(t)
	ctx := context.Background()
	ss := st.Sessions()
	token := "tok-0123456789abcdefghijklmnopqrstuvwxyz"
	if err := ss.CommitCtx(ctx, token, []byte("one"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := ss.CommitCtx(ctx, token, []byte("two \x00 with a NUL"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	b, ok, err := ss.FindCtx(ctx, token)
	if err != nil || !ok || string(b) != "two \x00 with a NUL" {
		t.Fatalf("find: %q %v %v, want two", b, ok, err)
	}
	if _, ok, _ := ss.FindCtx(ctx, token+"x"); ok {
		t.Error("found a session by another token")
	}
	var key []byte
	var n int
	if err := st.R.QueryRowContext(ctx, `SELECT token_hash, (SELECT count(*) FROM console_sessions) FROM console_sessions`).Scan(&key, &n); err != nil {
		t.Fatal(err)
	}
	if n != 1 || len(key) != 32 || bytes.Contains(key, []byte(token)) {
		t.Errorf("%d rows, key %x: want one row keyed by a 32-byte hash", n, key)
	}
	// Expired sessions are not found and are swept.
	if err := ss.CommitCtx(ctx, "old", []byte("x"), time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := ss.FindCtx(ctx, "old"); ok {
		t.Error("found an expired session")
	}
	if gone, err := ss.DeleteExpired(ctx, time.Now()); err != nil || gone != 1 {
		t.Errorf("DeleteExpired: %d, %v; want 1", gone, err)
	}
	if err := ss.DeleteCtx(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := ss.FindCtx(ctx, token); ok {
		t.Error("found a deleted session")
	}
}
