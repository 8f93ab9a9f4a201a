package seed

import (
	"errors"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/answers-console/answers/internal/store"
)

// History is how far back seeded traffic goes.
const History = 90 * 24 * time.Hour

// planned is one session to seed; its id is its place in time order.
type planned struct {
	at     int64 // opened, Unix nanoseconds
	bot    int32
	script int16
	open   bool
}

// planSessions spreads n sessions over the activated chatbots in
// proportion to their traffic weight and how long they were live in the
// last 90 days, plus grace open sessions on the grace chatbot, and
// returns them in time order.
func (w *world) planSessions(r *rand.Rand, n, grace int) ([]planned, error) {
	type window struct {
		bot    int
		lo, hi time.Time
	}
	var wins []window
	var cum []float64
	total := 0.0
	for i, b := range w.bots {
		if b.from.IsZero() || b.weight == 0 {
			continue
		}
		// Room for a conversation before the end of the window.
		lo, hi := later(b.from, w.now.Add(-History)), b.to.Add(-10*time.Minute)
		if !hi.After(lo) {
			continue
		}
		total += b.weight * hi.Sub(lo).Hours()
		wins = append(wins, window{i, lo, hi})
		cum = append(cum, total)
	}
	if n > grace && len(wins) == 0 {
		return nil, errors.New("sessions need an activated chatbot: seed more chatbots")
	}
	out := make([]planned, 0, n)
	for len(out) < n-grace {
		x := sort.SearchFloat64s(cum, r.Float64()*total)
		win := wins[min(x, len(wins)-1)]
		k := w.kinds[w.bots[win.bot].kind]
		out = append(out, planned{at: between(r, win.lo, win.hi).UnixNano(), bot: int32(win.bot), script: int16(k.pickScript(r))})
	}
	if grace > 0 {
		g := w.bots[w.grace]
		k := w.kinds[g.kind]
		for i := 0; i < grace; i++ {
			at := between(r, w.now.Add(-6*day), g.to.Add(-time.Minute))
			out = append(out, planned{at: at.UnixNano(), bot: int32(w.grace), script: int16(pick(r, k.open)), open: true})
		}
	}
	slices.SortStableFunc(out, func(a, b planned) int { return cmpInt(a.at, b.at) })
	return out, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// session is the stored form of planned session i (id i+1): how it ended,
// or that it is still open, follows from its chatbot's history.
func (w *world) session(p *planned, i int, users int) (store.ChatSession, script) {
	b := w.bots[p.bot]
	sc := w.kinds[b.kind].scripts[p.script]
	opened := time.Unix(0, p.at).UTC()
	last := opened.Add(sc.last())
	s := store.ChatSession{
		ID: int64(i + 1), SenderID: b.SenderID, ChatbotID: b.ID, ReleaseID: releaseAt(b, opened),
		State: sc.state, OpenedAt: opened, LastActivityAt: last, ExpiresAt: last.Add(b.SessionTimeout),
		Inbound: sc.in, Outbound: sc.out,
	}
	switch {
	case p.open:
	case sc.closed || sc.stepLimit:
		s.ClosedAt, s.CloseReason = last, store.CloseCompleted
		if sc.stepLimit {
			s.CloseReason = store.CloseStepLimit
		}
	case !b.live() && s.ExpiresAt.After(b.endAt):
		s.ClosedAt, s.CloseReason = b.endAt, b.endReason
	case s.ExpiresAt.After(w.now):
		p.open = true // a live chatbot's session that has not timed out
	default:
		s.ClosedAt, s.CloseReason = s.ExpiresAt, store.CloseTimeout
	}
	// End users come back: closed sessions draw from a pool; an open one
	// has an end user of its own (I5: one open session per end user).
	u := int(uint64(p.at) % uint64(users))
	if p.open {
		u = users + i
	}
	s.EndUser = endUser(w.senders[b.sender].Channel, u)
	return s, sc
}

// releaseAt is the release a chatbot ran at t: its newest one by then.
func releaseAt(b *bot, t time.Time) int64 {
	id := b.releases[0].ID
	for _, r := range b.releases[1:] {
		if !r.ActivatedAt.After(t) {
			id = r.ID
		}
	}
	return id
}

// writeSession adds a session and its transcript.
func writeSession(bk *store.Bulk, s store.ChatSession, sc script) error {
	if err := bk.ChatSession(s); err != nil {
		return err
	}
	for _, l := range sc.lines {
		dir := "out"
		if l.in {
			dir = "in"
		}
		if err := bk.Message(store.Message{SessionID: s.ID, ChatbotID: s.ChatbotID, Direction: dir, Text: l.text, At: s.OpenedAt.Add(l.offset),
			Entered: l.entered, FallbackHits: l.fallback, Branch: l.branch}); err != nil {
			return err
		}
	}
	return nil
}
