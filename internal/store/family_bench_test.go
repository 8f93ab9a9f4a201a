package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkChatbotList compares the dashboard's page of chatbots listed
// one row per chatbot and one row per family, over 10,000 chatbots of
// which 6,000 are in families of three.
func BenchmarkChatbotList(b *testing.B) {
	st, err := Open(context.Background(), b.TempDir()+"/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	err = st.InTx(ctx, func(tx *Tx) error {
		for i := 0; i < 10000; i++ {
			n := NewChatbot{Name: fmt.Sprintf("Bot %05d", i), Language: "en", Channel: "sms", SessionTimeout: time.Minute, Definition: []byte("{}")}
			if i < 6000 && i%3 != 0 {
				n.FamilyID, n.BasedOnID, n.FamilyVersion = int64(i-i%3+1), int64(i), i%3+1
			}
			if _, err := tx.CreateChatbot(ctx, n, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		f    ChatbotFilter
	}{
		{"chatbots", ChatbotFilter{Sort: "name", Limit: 50}},
		{"families", ChatbotFilter{Sort: "name", Limit: 50, Families: true}},
		{"chatbots, deep page", ChatbotFilter{Sort: "-updated", Limit: 50, Offset: 5000}},
		{"families, deep page", ChatbotFilter{Sort: "-updated", Limit: 50, Offset: 5000, Families: true}},
		{"chatbots, search", ChatbotFilter{Sort: "name", Limit: 50, Query: "Bot 01"}},
		{"families, search", ChatbotFilter{Sort: "name", Limit: 50, Query: "Bot 01", Families: true}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := st.Chatbots(ctx, tc.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
