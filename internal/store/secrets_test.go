package store

import (
	"bytes"
	"context"
	"sync"
	"testing"
)

// TestServerSecretIsMadeOnceAndShared: the first call makes the secret,
// every later one — from this store or another on the same database, even
// racing — reads the same bytes; names are separate secrets.
func TestServerSecretIsMadeOnceAndShared(t *testing.T) {
	ctx := context.Background()
	st, dsn := openStore(t)
	other, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	got := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := st
			if i%2 == 1 {
				s = other
			}
			b, err := s.ServerSecret(ctx, "signing")
			if err != nil {
				t.Error(err)
			}
			got[i] = b
		}()
	}
	wg.Wait()
	for i, b := range got {
		if len(b) != ServerSecretSize || !bytes.Equal(b, got[0]) {
			t.Fatalf("secret %d = %x, want the %d bytes of the first, %x", i, b, ServerSecretSize, got[0])
		}
	}
	if again, err := st.ServerSecret(ctx, "signing"); err != nil || !bytes.Equal(again, got[0]) {
		t.Fatalf("read again: %x, %v", again, err)
	}
	if b, err := st.ServerSecret(ctx, "another"); err != nil || bytes.Equal(b, got[0]) {
		t.Fatalf("another name: %x, %v; want a secret of its own", b, err)
	}
	var n int
	if err := st.R.QueryRowContext(ctx, `SELECT count(*) FROM server_secrets`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d rows, err %v; want 2", n, err)
	}
}
