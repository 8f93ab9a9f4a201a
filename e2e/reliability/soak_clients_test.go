package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/answers-console/answers/internal/rbac"
)

// design mostly saves edits; now and then it duplicates or imports a
// chatbot (under a name others may be taking at the same moment) and
// deletes the new draft again.
func (s *soak) design(ctx context.Context, rnd *rand.Rand) {
	for i := 0; ctx.Err() == nil; i++ {
		switch n := rnd.IntN(10); {
		case n < 7:
			s.edit(rnd, i)
		case n < 9:
			s.copyAndDelete(rnd)
		default:
			s.importAndDelete(rnd)
		}
	}
}

// copyAndDelete duplicates a chatbot and mostly deletes the copy.
func (s *soak) copyAndDelete(rnd *rand.Rand) {
	tok := s.tokens[rbac.Designer]
	a, err := s.c.call(context.Background(), "POST", fmt.Sprintf("/api/v1/chatbots/%d/duplicate", s.all[rnd.IntN(len(s.all))]), tok, nil)
	s.dropDraft(rnd, "duplicate", a, err)
}

// importAndDelete imports a document whose name is taken (the import
// renames it) and mostly deletes the new chatbot.
func (s *soak) importAndDelete(rnd *rand.Rand) {
	doc := map[string]any{"schema_version": 1, "name": "Soak 0.0", "language": "en", "channel": "livechat",
		"session_timeout_seconds": 900, "definition": definition("Imported.")}
	a, err := s.c.call(context.Background(), "POST", "/api/v1/chatbots", s.tokens[rbac.Designer], doc)
	s.dropDraft(rnd, "import", a, err)
}

// dropDraft records the creation of a draft and deletes it, 7 times in 10.
func (s *soak) dropDraft(rnd *rand.Rand, op string, a answer, err error) {
	var bot apiBot
	if !s.l.record(op, a, err, 201) || json.Unmarshal(a.body, &bot) != nil || bot.ID == 0 || rnd.IntN(10) >= 7 {
		return
	}
	a, err = s.c.call(context.Background(), "DELETE", fmt.Sprintf("/api/v1/chatbots/%d", bot.ID), s.tokens[rbac.Designer], nil)
	s.l.record("delete", a, err, 204)
}

// edit saves a change to a random chatbot from the version it just read,
// or now and then from an older one, which must be refused.
func (s *soak) edit(rnd *rand.Rand, i int) {
	bg, tok := context.Background(), s.tokens[rbac.Designer]
	id := s.all[rnd.IntN(len(s.all))]
	path := fmt.Sprintf("/api/v1/chatbots/%d", id)
	a, err := s.c.call(bg, "GET", path, tok, nil)
	var bot apiBot
	if !s.l.record("read chatbot", a, err, 200) || json.Unmarshal(a.body, &bot) != nil {
		return
	}
	time.Sleep(time.Duration(rnd.IntN(2000)) * time.Microsecond) // others may save meanwhile
	base, stale := bot.Version, rnd.IntN(4) == 0 && bot.Version > 1
	if stale {
		base--
	}
	timeout := int64(60 + rnd.IntN(3600))
	body := map[string]any{"version": base, "session_timeout_seconds": timeout}
	if rnd.IntN(3) == 0 {
		body["definition"] = definition(fmt.Sprintf("Say something (%d).", i))
	}
	a, err = s.c.call(bg, "PATCH", path, tok, body)
	s.l.save(edit{chatbot: id, base: base, timeout: timeout}, stale, a, err)
}

// save records a PATCH of a chatbot made from version e.base.
func (l *ledger) save(e edit, stale bool, a answer, err error) {
	op := "edit"
	if stale {
		op = "stale edit"
	}
	if !l.record(op, a, err, 200, 409) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case a.status == 409 && a.code != "stale_version" && a.code != "not_editable":
		l.bad = append(l.bad, fmt.Sprintf("edit of chatbot %d refused with %s, want stale_version or not_editable", e.chatbot, a.code))
	case a.status != 200:
	case stale:
		l.bad = append(l.bad, fmt.Sprintf("lost update: a save of chatbot %d from the stale version %d was accepted", e.chatbot, e.base))
	default:
		var bot apiBot
		if err := json.Unmarshal(a.body, &bot); err != nil {
			l.bad = append(l.bad, fmt.Sprintf("edit: unreadable 200 answer %s", a.body))
			return
		}
		e.version = bot.Version
		l.edits = append(l.edits, e)
	}
}

// auditor pages through the audit log, all of it or the chatbot family;
// each page must continue where the one before ended.
func (s *soak) auditor(ctx context.Context, rnd *rand.Rand) {
	for ctx.Err() == nil {
		query := "/api/v1/audit?limit=50"
		if rnd.IntN(2) == 0 {
			query += "&action=chatbot."
		}
		path, last := query, int64(0)
		for range 5 {
			a, err := s.c.call(context.Background(), "GET", path, s.tokens[rbac.Admin], nil)
			var page struct {
				Entries    []struct{ ID int64 } `json:"entries"`
				NextCursor string               `json:"next_cursor"`
			}
			if !s.l.record("audit page", a, err, 200) || json.Unmarshal(a.body, &page) != nil {
				break
			}
			for _, e := range page.Entries {
				if last != 0 && e.ID >= last {
					s.l.record("audit order", answer{status: 599, body: fmt.Appendf(nil, "entry %d after %d", e.ID, last)}, nil)
				}
				last = e.ID
			}
			if page.NextCursor == "" {
				break
			}
			path = query + "&cursor=" + page.NextCursor
		}
	}
}

// reader is a supervisor looking at the dashboard and at chatbots.
func (s *soak) reader(ctx context.Context, rnd *rand.Rand) {
	for ctx.Err() == nil {
		path := "/api/v1/chatbots"
		if rnd.IntN(2) == 0 {
			path = fmt.Sprintf("/api/v1/chatbots/%d", s.all[rnd.IntN(len(s.all))])
		}
		a, err := s.c.call(context.Background(), "GET", path, s.tokens[rbac.Supervisor], nil)
		s.l.record("read", a, err, 200)
	}
}
