package seed

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/answers-console/answers/internal/store"
)

// load writes the world, the sessions and the audit log in one bulk load.
// A deactivated chatbot's open sessions were opened while it was active,
// and the database holds to that (I4's trigger): such chatbots are
// written active, their open sessions added, and then they are moved to
// deactivated and their replacements to active, as the redeploy did.
func (w *world) load(ctx context.Context, st *store.Store, r *rand.Rand, plan []planned, o Options) (Summary, error) {
	pool := max(50, len(plan)/3) // end users who come back
	for i := range plan {
		p := &plan[i]
		s, _ := w.session(p, i, pool)
		b := w.bots[p.bot]
		if s.Open() {
			b.open++
		} else if !b.live() && s.CloseReason == b.endReason && s.ClosedAt.Equal(b.endAt) {
			b.closed++
		}
	}
	events := w.events(r, o.Audit)
	sum := w.summary()
	err := st.BulkLoad(ctx, func(bk *store.Bulk) error {
		progress(o, "%d users, %d senders, %d chatbots, %d releases", len(w.users), len(w.senders), len(w.bots), sum.Releases)
		if err := w.writeWorld(bk); err != nil {
			return err
		}
		inGrace := func(p *planned) bool { return p.open && w.bots[p.bot].Status == store.StatusDeactivated }
		for i := range plan {
			if p := &plan[i]; inGrace(p) {
				s, sc := w.session(p, i, pool)
				if err := writeSession(bk, s, sc); err != nil {
					return err
				}
			}
		}
		if err := w.redeploy(bk); err != nil {
			return err
		}
		for i := range plan {
			p := &plan[i]
			if !inGrace(p) {
				s, sc := w.session(p, i, pool)
				if err := writeSession(bk, s, sc); err != nil {
					return err
				}
			}
			if p.open {
				sum.OpenSessions++
			}
			sum.Messages += len(w.kinds[w.bots[p.bot].kind].scripts[p.script].lines)
			if (i+1)%250_000 == 0 {
				progress(o, "%d sessions", i+1)
			}
		}
		progress(o, "%d sessions with %d messages; %d audit entries", len(plan), sum.Messages, len(events))
		for i, ev := range events {
			if _, err := bk.Audit(w.entry(r, ev)); err != nil {
				return err
			}
			if (i+1)%250_000 == 0 {
				progress(o, "%d audit entries", i+1)
			}
		}
		progress(o, "building indexes, checking foreign keys, committing")
		return nil
	})
	sum.Sessions, sum.Audit = len(plan), len(events)
	return sum, err
}

// writeWorld writes users, senders, chatbots and releases. Deactivated
// chatbots go in active and their replacements inactive, until redeploy.
func (w *world) writeWorld(bk *store.Bulk) error {
	for _, u := range w.users {
		if err := bk.User(u); err != nil {
			return err
		}
	}
	for _, s := range w.senders {
		if err := bk.Sender(s); err != nil {
			return err
		}
	}
	for _, b := range w.bots {
		c := b.Chatbot
		switch {
		case c.Status == store.StatusDeactivated:
			c.Status, c.GraceEndsAt = store.StatusActive, time.Time{}
		case b.replaces >= 0:
			c.Status = store.StatusInactive
		}
		if err := bk.Chatbot(c); err != nil {
			return err
		}
		if c.Status == store.StatusActive {
			if err := bk.Live(c.ID); err != nil {
				return err
			}
		}
		for _, rel := range b.releases {
			if err := bk.Release(rel); err != nil {
				return err
			}
		}
	}
	return nil
}

// redeploy moves each deactivated chatbot to its status, then its
// replacement to active.
func (w *world) redeploy(bk *store.Bulk) error {
	for _, b := range w.bots {
		if b.replaces < 0 {
			continue
		}
		d := w.bots[b.replaces]
		if err := bk.SetStatus(d.ID, store.StatusDeactivated, d.GraceEndsAt); err != nil {
			return err
		}
		if err := bk.SetStatus(b.ID, store.StatusActive, time.Time{}); err != nil {
			return err
		}
	}
	return nil
}

func (w *world) summary() Summary {
	s := Summary{Users: len(w.users), Senders: len(w.senders), Chatbots: len(w.bots), ByStatus: map[string]int{}}
	for _, b := range w.bots {
		st := b.Status
		if b.from.IsZero() {
			st = "draft"
		}
		s.ByStatus[st]++
		s.Releases += len(b.releases)
	}
	if w.grace >= 0 {
		s.GraceChatbotID = w.bots[w.grace].ID
	}
	return s
}
