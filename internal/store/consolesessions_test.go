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

// TestSessionCommitsOnlyWhatChanged: scs commits a session on every
// request to move its idle expiry on; a commit that changes nothing and
// moves the expiry by less than touchEvery writes nothing.
func TestSessionCommitsOnlyWhatChanged(t *testing.T) {
	st, _ := openStore(t)
	ctx := context.Background()
	ss := st.Sessions()
	token := "tok-touch-0123456789abcdefghijklmnopqrstuvwxyz"
	stored := func() time.Time {
		t.Helper()
		var e string
		if err := st.R.QueryRowContext(ctx, `SELECT expiry FROM console_sessions`).Scan(&e); err != nil {
			t.Fatal(err)
		}
		return parseTime(e)
	}
	start := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	if err := ss.CommitCtx(ctx, token, []byte("data"), start); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := ss.FindCtx(ctx, token); !ok || err != nil {
		t.Fatalf("find: %v %v", ok, err)
	}
	for _, c := range []struct {
		data   string
		expiry time.Time
		want   time.Time
	}{
		{"data", start.Add(30 * time.Second), start},                                               // only the expiry, by little: skipped
		{"data", start.Add(touchEvery), start.Add(touchEvery)},                                     // by touchEvery: written
		{"data", start.Add(touchEvery + time.Second), start.Add(touchEvery)},                       // skipped again
		{"new data", start.Add(touchEvery + 2*time.Second), start.Add(touchEvery + 2*time.Second)}, // the data changed: written
	} {
		if err := ss.CommitCtx(ctx, token, []byte(c.data), c.expiry); err != nil {
			t.Fatal(err)
		}
		if got := stored(); !got.Equal(c.want) {
			t.Fatalf("after a commit of %q until %s the stored expiry is %s, want %s", c.data, c.expiry, got, c.want)
		}
	}
	b, ok, err := ss.FindCtx(ctx, token)
	if err != nil || !ok || string(b) != "new data" {
		t.Fatalf("find: %q %v %v", b, ok, err)
	}
	// A deleted session is written again by its next commit.
	if err := ss.DeleteCtx(ctx, token); err != nil {
		t.Fatal(err)
	}
	if err := ss.CommitCtx(ctx, token, []byte("new data"), start.Add(touchEvery+3*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := ss.FindCtx(ctx, token); !ok {
		t.Fatal("a session committed after its deletion is not found")
	}
}
