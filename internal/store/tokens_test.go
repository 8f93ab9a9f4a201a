package store

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/rbac"
)

func createToken(t *testing.T, st *Store, userID int64, hash string) APIToken {
	t.Helper()
	var tok APIToken
	mustTx(t, st, func(tx *Tx) error {
		var err error
		tok, err = tx.CreateAPIToken(context.Background(), userID, "token "+hash, "ans_"+hash, []byte(hash), now, time.Time{})
		return err
	})
	return tok
}

func TestAPITokens(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	ana := addUser(t, st, "ana@example.com", rbac.Designer)
	bob := addUser(t, st, "bob@example.com", rbac.Manager)
	tok := createToken(t, st, ana.ID, "hash-1")
	bobTok := createToken(t, st, bob.ID, "hash-2")

	u, got, err := st.UserByTokenHash(ctx, []byte("hash-1"))
	if err != nil || u.ID != ana.ID || got.ID != tok.ID || got.Name != "token hash-1" || got.Prefix != "ans_hash-1" || !got.CreatedAt.Equal(now) {
		t.Fatalf("UserByTokenHash = %+v, %+v, %v", u, got, err)
	}
	if _, _, err := st.UserByTokenHash(ctx, []byte("no such hash")); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown hash: err = %v, want ErrNotFound", err)
	}
	err = st.InTx(ctx, func(tx *Tx) error {
		_, err := tx.CreateAPIToken(ctx, bob.ID, "copy", "ans_x", []byte("hash-1"), now, time.Time{})
		return err
	})
	if !errors.Is(err, ErrDuplicate) {
		t.Errorf("a second token with the same hash: err = %v, want ErrDuplicate", err)
	}

	// Nobody revokes another person's token.
	err = st.InTx(ctx, func(tx *Tx) error {
		_, err := tx.RevokeAPIToken(ctx, bob.ID, tok.ID, now)
		return err
	})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("revoking someone else's token: err = %v, want ErrNotFound", err)
	}
	if _, _, err := st.UserByTokenHash(ctx, []byte("hash-1")); err != nil {
		t.Errorf("token stopped working after someone else's refused revoke: %v", err)
	}

	mustTx(t, st, func(tx *Tx) error {
		_, err := tx.RevokeAPIToken(ctx, ana.ID, tok.ID, now)
		return err
	})
	if _, _, err := st.UserByTokenHash(ctx, []byte("hash-1")); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked token: err = %v, want ErrNotFound", err)
	}
	if list, err := st.APITokens(ctx, ana.ID); err != nil || len(list) != 0 {
		t.Errorf("APITokens after revoking = %+v, %v; want none", list, err)
	}
	if list, err := st.APITokens(ctx, bob.ID); err != nil || len(list) != 1 || list[0].ID != bobTok.ID {
		t.Errorf("APITokens(bob) = %+v, %v; want his one token", list, err)
	}
}

func TestSetupToken(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	if _, err := st.SetupTokenHash(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("fresh database: err = %v, want ErrNotFound", err)
	}
	for _, h := range []string{"first", "second"} {
		mustTx(t, st, func(tx *Tx) error { return tx.PutSetupToken(ctx, []byte(h), now) })
		got, err := st.SetupTokenHash(ctx)
		if err != nil || !bytes.Equal(got, []byte(h)) {
			t.Errorf("after PutSetupToken(%s): %q, %v", h, got, err)
		}
	}
	mustTx(t, st, func(tx *Tx) error { return tx.DeleteSetupToken(ctx) })
	if _, err := st.SetupTokenHash(ctx); !errors.Is(err, ErrNotFound) {
		t.Errorf("after DeleteSetupToken: err = %v, want ErrNotFound", err)
	}
}
