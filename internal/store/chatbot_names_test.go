package store

import (
	"context"
	"testing"
	"time"
)

// The picker is kept between views and forgotten when a write commits: a
// chatbot activated since shows at once, a change behind the store's
// back (another process) only when the entry expires.
func TestChatbotPickerCache(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	activate := func(name string) int64 {
		var id int64
		mustTx(t, st, func(tx *Tx) error {
			c, err := tx.CreateChatbot(ctx, NewChatbot{Name: name, Language: "en", Channel: "livechat", SessionTimeout: time.Hour, Definition: []byte("{}")}, now)
			if err != nil {
				return err
			}
			id = c.ID
			_, err = tx.q.ExecContext(ctx, `UPDATE chatbots SET last_activated_at = ? WHERE id = ?`, fmtTime(now), c.ID)
			return err
		})
		return id
	}
	names := func() []string {
		cs, err := st.ChatbotPicker(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	activate("Beta")
	if got := names(); len(got) != 1 || got[0] != "Beta" {
		t.Fatalf("picker %v, want [Beta]", got)
	}
	id := activate("Alpha")
	if got := names(); len(got) != 2 || got[0] != "Alpha" {
		t.Fatalf("after an activation: %v, want [Alpha Beta]", got)
	}
	if _, err := st.W.ExecContext(ctx, `UPDATE chatbots SET name = 'Gamma' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	if got := names(); len(got) != 2 || got[0] != "Alpha" {
		t.Fatalf("not cached: %v", got)
	}
	st.picker.expires = st.picker.expires.Add(-2 * pickerTTL)
	if got := names(); len(got) != 2 || got[1] != "Gamma" {
		t.Fatalf("after the entry expired: %v, want [Beta Gamma]", got)
	}
}
