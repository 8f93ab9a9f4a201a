package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// The set forms of the session queries do what the one-row forms do, for
// any number of rows (statements of several sizes), and an end user who
// has an open session already gets no second one (I5): that row alone is
// skipped, with id 0.
func TestChatSessionsInSets(t *testing.T) {
	st, _ := openStore(t)
	ctx := context.Background()
	var snd Sender
	var bot Chatbot
	mustTx(t, st, func(tx *Tx) (err error) {
		if snd, err = tx.CreateSender(ctx, "livechat", "sets", "k", now); err != nil {
			return err
		}
		if bot, err = tx.CreateChatbot(ctx, NewChatbot{Name: "Sets", Language: "en", Channel: "livechat", SenderID: snd.ID,
			SessionTimeout: time.Minute, Definition: []byte("{}")}, now); err != nil {
			return err
		}
		return tx.SetChatbotStatus(ctx, bot.ID, StatusActive, time.Time{}, now)
	})
	const n = 45 // statements of 32, 8, 4 and 1 rows
	user := func(i int) string { return fmt.Sprintf("user-%02d", i) }
	session := func(i int) ChatSession {
		return ChatSession{SenderID: snd.ID, ChatbotID: bot.ID, EndUser: user(i), State: []byte(`{"dialog":"d"}`),
			OpenedAt: now, LastActivityAt: now, ExpiresAt: now.Add(time.Minute), Inbound: 1, Outbound: 2}
	}
	// One end user already has an open session.
	mustTx(t, st, func(tx *Tx) error {
		_, err := tx.CreateChatSession(ctx, session(7))
		return err
	})
	var created []ChatSession
	mustTx(t, st, func(tx *Tx) (err error) {
		ss := make([]ChatSession, n)
		for i := range ss {
			ss[i] = session(i)
		}
		created, err = tx.CreateChatSessions(ctx, ss)
		return err
	})
	for i, s := range created {
		if (s.ID == 0) != (i == 7) {
			t.Errorf("session of %s: id %d", user(i), s.ID)
		}
	}
	keys := make([]SessionKey, n+1)
	for i := range n {
		keys[i] = SessionKey{snd.ID, user(i)}
	}
	keys[n] = SessionKey{snd.ID, "nobody"}
	var latest map[SessionKey]ChatSession
	mustTx(t, st, func(tx *Tx) (err error) {
		latest, err = tx.LockLatestChatSessions(ctx, keys)
		return err
	})
	if len(latest) != n {
		t.Fatalf("%d latest sessions, want %d", len(latest), n)
	}
	for i := range n {
		s := latest[keys[i]]
		if i != 7 && s.ID != created[i].ID || s.Inbound != 1 || !s.Open() {
			t.Errorf("latest session of %s: %+v", user(i), s)
		}
	}
	// Save every other one, then close them; the rest stay as they were.
	later := now.Add(30 * time.Second)
	var saved []ChatSession
	var ids []int64
	for i := 0; i < n; i += 2 {
		s := latest[keys[i]]
		s.State, s.Inbound, s.Outbound, s.LastActivityAt, s.ExpiresAt = []byte(`{"dialog":"e"}`), 2, 4, later, later.Add(time.Minute)
		saved = append(saved, s)
		ids = append(ids, s.ID)
	}
	mustTx(t, st, func(tx *Tx) error {
		if err := tx.SaveChatSessions(ctx, saved); err != nil {
			return err
		}
		return tx.CloseChatSessions(ctx, ids, CloseCompleted, now)
	})
	for i := range n {
		s, err := st.ChatSessionByID(ctx, latest[keys[i]].ID)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case i%2 == 0 && (s.Inbound != 2 || s.Outbound != 4 || string(s.State) != `{"dialog":"e"}` || !s.LastActivityAt.Equal(later) ||
			s.CloseReason != CloseCompleted || !s.ClosedAt.Equal(later)):
			t.Errorf("saved and closed session of %s: %+v", user(i), s)
		case i%2 == 1 && (s.Inbound != 1 || !s.Open()):
			t.Errorf("untouched session of %s: %+v", user(i), s)
		}
	}
	// The closes count in the rollups: one completed session each.
	hours, _, err := st.AllRollups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var completed int64
	for _, h := range hours {
		if h.ChatbotID == bot.ID {
			completed += h.Closed[0]
		}
	}
	if completed != int64(len(ids)) {
		t.Errorf("%d completed sessions in the rollups, want %d", completed, len(ids))
	}
}
