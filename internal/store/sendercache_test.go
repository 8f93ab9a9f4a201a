package store

import (
	"context"
	"errors"
	"testing"
)

// InboundSender answers from its cache, and a change committed through
// the store is seen at once: a new sender, a replaced key.
func TestInboundSenderCache(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	if _, err := st.InboundSender(ctx, "sms", "+15550001"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown sender: %v", err)
	}
	var snd Sender
	mustTx(t, st, func(tx *Tx) error {
		var err error
		snd, err = tx.CreateSender(ctx, "sms", "+15550001", "key-1", now)
		return err
	})
	got, err := st.InboundSender(ctx, "sms", "+15550001")
	if err != nil || got.ID != snd.ID || got.InboundKey != "key-1" {
		t.Fatalf("after create: %+v, %v", got, err)
	}
	// Cached: a change behind the store's back (another process) is not
	// seen yet.
	if _, err := st.W.ExecContext(ctx, `UPDATE senders SET inbound_key = 'elsewhere' WHERE id = ?`, snd.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.InboundSender(ctx, "sms", "+15550001"); got.InboundKey != "key-1" {
		t.Fatalf("not cached: key %q", got.InboundKey)
	}
	mustTx(t, st, func(tx *Tx) error { return tx.SetSenderKey(ctx, snd.ID, "key-2", now) })
	if got, _ := st.InboundSender(ctx, "sms", "+15550001"); got.InboundKey != "key-2" {
		t.Fatalf("after the key changed: key %q", got.InboundKey)
	}
}

// A changed address or a deleted sender is seen at once: the old address
// routes nothing more.
func TestInboundSenderCacheSeesAddressAndDelete(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	var snd Sender
	mustTx(t, st, func(tx *Tx) error {
		var err error
		snd, err = tx.CreateSender(ctx, "sms", "+15550001", "key-1", now)
		return err
	})
	if _, err := st.InboundSender(ctx, "sms", "+15550001"); err != nil {
		t.Fatal(err)
	}
	mustTx(t, st, func(tx *Tx) error { return tx.SetSenderAddress(ctx, snd.ID, "+15550002", now) })
	if _, err := st.InboundSender(ctx, "sms", "+15550001"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the old address after the change: %v", err)
	}
	if got, err := st.InboundSender(ctx, "sms", "+15550002"); err != nil || got.ID != snd.ID {
		t.Fatalf("the new address: %+v, %v", got, err)
	}
	mustTx(t, st, func(tx *Tx) error { return tx.DeleteSender(ctx, snd.ID) })
	if _, err := st.InboundSender(ctx, "sms", "+15550002"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a deleted sender: %v", err)
	}
}
