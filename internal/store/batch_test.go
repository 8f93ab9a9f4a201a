package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/answers-console/answers/internal/rbac"
)

// Work sharing a transaction commits together, but a piece that fails
// takes back only its own writes.
func TestInBatchKeepsEachPieceApart(t *testing.T) {
	st, _ := openStore(t)
	ctx := context.Background()
	refused := errors.New("refused")
	var wg sync.WaitGroup
	errs := make([]error, 60)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.InBatch(ctx, func(ctx context.Context, tx *Tx) error {
				if _, err := tx.CreateUser(ctx, NewUser{Email: fmt.Sprintf("u%d@test.local", i), Name: "U", Role: rbac.Analyzer, PasswordHash: "h"}, now); err != nil {
					return err
				}
				if i%3 == 0 {
					return refused // after writing: the write must go
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		want := error(nil)
		if i%3 == 0 {
			want = refused
		}
		if !errors.Is(err, want) {
			t.Errorf("piece %d: err = %v, want %v", i, err, want)
		}
		_, err = st.UserByEmail(ctx, fmt.Sprintf("u%d@test.local", i))
		if kept := err == nil; kept != (i%3 != 0) {
			t.Errorf("piece %d: user kept = %v", i, kept)
		}
	}
	// A constraint violation is one piece's refusal too.
	err := st.InBatch(ctx, func(ctx context.Context, tx *Tx) error {
		_, err := tx.CreateUser(ctx, NewUser{Email: "u1@test.local", Name: "Again", Role: rbac.Analyzer, PasswordHash: "h"}, now)
		return err
	})
	if !errors.Is(err, ErrDuplicate) {
		t.Fatalf("duplicate email: %v", err)
	}
}

func TestInBatchAfterClose(t *testing.T) {
	st, _ := openStore(t)
	st.Close()
	err := st.InBatch(context.Background(), func(context.Context, *Tx) error { t.Fatal("ran after close"); return nil })
	if err == nil {
		t.Fatal("no error after close")
	}
	st.Close() // twice is fine
}

// A piece that panics fails alone; the batch and the server go on.
func TestInBatchSurvivesAPanic(t *testing.T) {
	st, _ := openStore(t)
	ctx := context.Background()
	err := st.InBatch(ctx, func(ctx context.Context, tx *Tx) error {
		if _, err := tx.CreateUser(ctx, NewUser{Email: "p@test.local", Name: "P", Role: rbac.Analyzer, PasswordHash: "h"}, now); err != nil {
			return err
		}
		panic("bug")
	})
	if err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("err = %v", err)
	}
	if _, err := st.UserByEmail(ctx, "p@test.local"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the panicking piece's write was kept: %v", err)
	}
	if err := st.InBatch(ctx, func(context.Context, *Tx) error { return nil }); err != nil {
		t.Fatalf("after a panic: %v", err)
	}
}
