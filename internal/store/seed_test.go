package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/audit"
)

// bulkWorld writes a sender with an active chatbot and its release.
func bulkWorld(b *Bulk) error {
	errs := []error{
		b.Sender(Sender{ID: 1, Channel: "sms", Address: "+15550001", InboundKey: "k", CreatedAt: now, UpdatedAt: now}),
		b.Chatbot(Chatbot{ID: 1, Name: "A", Language: "en", Channel: "sms", SenderID: 1, SessionTimeout: time.Hour,
			Definition: []byte("{}"), Version: 1, Status: StatusActive, CreatedAt: now, UpdatedAt: now, FirstActivatedAt: now, LastActivatedAt: now}),
		b.Live(1),
		b.Release(Release{ID: 1, ChatbotID: 1, Number: 1, Definition: []byte("{}"), Report: []byte("[]"), ActivatedBy: "system", ActivatedAt: now}),
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func openSession(id, chatbot int64, user string) ChatSession {
	return ChatSession{ID: id, SenderID: 1, ChatbotID: chatbot, ReleaseID: 1, EndUser: user, State: []byte("{}"),
		OpenedAt: now, LastActivityAt: now, ExpiresAt: now.Add(time.Hour)}
}

func TestBulkLoad(t *testing.T) {
	ctx := context.Background()
	st, _ := openSQLiteStore(t)
	err := st.BulkLoad(ctx, func(b *Bulk) error {
		if err := bulkWorld(b); err != nil {
			return err
		}
		// Messages before their session: foreign keys are checked at the end.
		for i := 0; i < 300; i++ {
			if err := b.Message(Message{SessionID: int64(i + 1), ChatbotID: 1, Direction: "in", Text: "hi", At: now}); err != nil {
				return err
			}
			s := openSession(int64(i+1), 1, "+1"+strings.Repeat("0", i%5)+string(rune('a'+i%26))+time.Duration(i).String())
			s.Inbound = 1
			if err := b.ChatSession(s); err != nil {
				return err
			}
		}
		for i := 0; i < 3; i++ {
			if _, err := b.Audit(audit.Entry{At: now, Action: "test.bulk"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if bad, err := st.Violations(ctx, now.Add(time.Minute)); err != nil || len(bad) > 0 {
		t.Errorf("violations %v %v", bad, err)
	}
	if n, err := st.VerifyAudit(ctx); err != nil || n != 3 {
		t.Errorf("audit: %d %v", n, err)
	}
	if m, _ := st.JournalMode(ctx); m != "wal" {
		t.Errorf("journal mode %q after a bulk load", m)
	}
	// The dropped indexes are back.
	if _, err := st.OpenChatSession(ctx, 1, "+1a0s"); err != nil {
		t.Errorf("open session lookup: %v", err)
	}
	if err := st.BulkLoad(ctx, bulkWorld); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("second load: %v, want ErrNotEmpty", err)
	}
}

// TestBulkLoadRefusesBadRows: the database checks a bulk load as it
// checks the console, and a refused load writes nothing.
func TestBulkLoadRefusesBadRows(t *testing.T) {
	for name, fn := range map[string]func(*Bulk) error{
		"dangling foreign key": func(b *Bulk) error {
			return b.Message(Message{SessionID: 99, ChatbotID: 1, Direction: "in", Text: "x", At: now})
		},
		"I5 two open sessions for one end user": func(b *Bulk) error {
			if err := b.ChatSession(openSession(1, 1, "+1555")); err != nil {
				return err
			}
			return b.ChatSession(openSession(2, 1, "+1555"))
		},
		"I4 an open session on an inactive chatbot": func(b *Bulk) error {
			if err := b.Chatbot(Chatbot{ID: 2, Name: "B", Language: "en", Channel: "sms", SenderID: 1, SessionTimeout: time.Hour,
				Definition: []byte("{}"), Version: 1, Status: StatusInactive, CreatedAt: now, UpdatedAt: now}); err != nil {
				return err
			}
			if err := b.Flush(); err != nil {
				return err
			}
			return b.ChatSession(openSession(1, 2, "+1555"))
		},
		"I1 two active chatbots on a sender": func(b *Bulk) error {
			return b.Chatbot(Chatbot{ID: 2, Name: "B", Language: "en", Channel: "sms", SenderID: 1, SessionTimeout: time.Hour,
				Definition: []byte("{}"), Version: 1, Status: StatusActive, CreatedAt: now, UpdatedAt: now})
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st, _ := openSQLiteStore(t)
			err := st.BulkLoad(ctx, func(b *Bulk) error {
				if err := bulkWorld(b); err != nil {
					return err
				}
				return fn(b)
			})
			if err == nil {
				t.Fatal("the load was accepted")
			}
			if rows, _ := st.CountRows(ctx); rows["chatbots"] != 0 || rows["senders"] != 0 {
				t.Errorf("a refused load left rows: %v", rows)
			}
			if m, _ := st.JournalMode(ctx); m != "wal" {
				t.Errorf("journal mode %q after a refused load", m)
			}
		})
	}
}
