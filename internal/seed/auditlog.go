package seed

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/senders"
	"github.com/answers-console/answers/internal/store"
)

// event is an audit entry to write: what happened to what, and when.
type event struct {
	at     int64 // Unix nanoseconds
	action string
	actor  int32 // user index; -1 the system, -2 an anonymous caller
	bot    int32 // chatbot index, or the user or sender index for their actions
	n      int32 // a release number, a version, ...
}

const (
	system    = -1
	anonymous = -2
)

// events lists the history the world implies (accounts, senders,
// chatbots and their transitions) and fills up to n entries with the
// traffic of people using the console over the last 90 days: sign-ins
// and -outs, failed sign-ins, exports. When the history alone is longer
// than n, its newest n events are kept.
func (w *world) events(r *rand.Rand, n int) []event {
	var out []event
	add := func(t time.Time, action string, actor, target, num int) {
		out = append(out, event{t.UnixNano(), action, int32(actor), int32(target), int32(num)})
	}
	for i, u := range w.users {
		if i == 0 {
			add(u.CreatedAt, audit.ActionSetup, i, i, 0)
		} else {
			add(u.CreatedAt, audit.ActionUserAdded, w.admins[0], i, 0)
		}
	}
	for i, s := range w.senders {
		add(s.CreatedAt, senders.ActionCreated, pick(r, w.managers), i, 0)
	}
	for i, b := range w.bots {
		add(b.CreatedAt, chatbots.ActionCreated, pick(r, w.editors), i, 0)
		edited := b.UpdatedAt
		if !b.FirstActivatedAt.IsZero() && edited.After(b.FirstActivatedAt) {
			edited = b.FirstActivatedAt
		}
		for v := 2; v <= int(b.Version)-len(b.releases); v++ {
			add(between(r, b.CreatedAt, edited), chatbots.ActionEdited, pick(r, w.editors), i, v)
		}
		for _, rel := range b.releases {
			if len(b.warnings) > 0 {
				add(rel.ActivatedAt, lifecycle.ActionOverride, w.userIndex(rel.ActivatedByID), i, rel.Number)
			}
			add(rel.ActivatedAt, lifecycle.ActionActivated, w.userIndex(rel.ActivatedByID), i, rel.Number)
		}
		switch {
		case b.Status == store.StatusDeactivated:
			add(b.LastDeactivatedAt, lifecycle.ActionDeactivated, pick(r, w.managers), i, 0)
		case b.Status == store.StatusInactive && !b.from.IsZero():
			add(b.to, lifecycle.ActionDeactivated, pick(r, w.managers), i, 0)
			if b.endReason != store.CloseDeactivated {
				add(b.endAt, lifecycle.ActionGraceEnded, system, i, 0)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b event) int { return cmpInt(a.at, b.at) })
	if len(out) > n {
		return out[len(out)-n:]
	}
	from := w.now.Add(-History)
	for len(out) < n {
		t := between(r, from, w.now)
		u := r.IntN(len(w.users))
		switch x := r.IntN(100); {
		case x < 60:
			add(t, audit.ActionSignIn, u, u, 0)
		case x < 78:
			add(t, audit.ActionSignOut, u, u, 0)
		case x < 88:
			add(t, audit.ActionSignInFailed, anonymous, u, 0)
		case x < 98 && len(w.bots) > 0:
			add(t, chatbots.ActionExported, pick(r, w.editors), r.IntN(len(w.bots)), 0)
		case x < 99:
			add(t, audit.ActionTokenCreated, u, u, len(out))
		default:
			add(t, audit.ActionPasswordChanged, u, u, 0)
		}
	}
	slices.SortStableFunc(out, func(a, b event) int { return cmpInt(a.at, b.at) })
	return out
}

func (w *world) userIndex(id int64) int { return int(id-w.userBase) - 1 }

// entry is the audit entry of an event, with the details the service
// that records that action writes.
func (w *world) entry(r *rand.Rand, ev event) audit.Entry {
	e := audit.Entry{At: time.Unix(0, ev.at).UTC(), Action: ev.action}
	switch ev.actor {
	case system:
		e.ActorName = "system"
	case anonymous:
		e.ActorName = "anonymous"
		e.IP = ip(r)
	default:
		u := w.users[ev.actor]
		e.ActorID, e.ActorName, e.IP = u.ID, u.Email, ip(r)
	}
	switch ev.action {
	case audit.ActionSetup, audit.ActionUserAdded, audit.ActionSignIn, audit.ActionSignOut, audit.ActionSignInFailed,
		audit.ActionTokenCreated, audit.ActionPasswordChanged:
		u := w.users[ev.bot]
		e.TargetType, e.TargetID, e.TargetName = "user", strconv.FormatInt(u.ID, 10), u.Email
		switch ev.action {
		case audit.ActionSetup, audit.ActionUserAdded:
			e.Details = map[string]any{"after": map[string]any{"email": u.Email, "name": u.Name, "role": u.Role.String(), "status": "active"}}
		case audit.ActionSignInFailed:
			e.Details = map[string]any{"reason": "bad_credentials"}
		case audit.ActionTokenCreated:
			e.Details = map[string]any{"token": map[string]any{"id": ev.n + 1, "name": "CI deploy", "prefix": fmt.Sprintf("ans_%06x", ev.n)}}
		}
	case senders.ActionCreated:
		s := w.senders[ev.bot]
		e.TargetType, e.TargetID, e.TargetName = "sender", strconv.FormatInt(s.ID, 10), s.Channel+":"+s.Address
		e.Details = map[string]any{"after": map[string]any{"channel": s.Channel, "address": s.Address}}
	default:
		w.chatbotEntry(&e, ev)
	}
	return e
}

func (w *world) chatbotEntry(e *audit.Entry, ev event) {
	b := w.bots[ev.bot]
	e.TargetType, e.TargetID, e.TargetName = "chatbot", strconv.FormatInt(b.ID, 10), b.Name
	status := func(before, after string) map[string]any {
		return map[string]any{"before": map[string]any{"status": before}, "after": map[string]any{"status": after}}
	}
	switch ev.action {
	case chatbots.ActionCreated:
		e.Details = map[string]any{"after": map[string]any{"name": b.Name, "language": b.Language, "channel": b.Channel,
			"sender_id": b.SenderID, "session_timeout_seconds": int64(b.SessionTimeout / time.Second), "status": store.StatusInactive}}
	case chatbots.ActionEdited:
		e.Details = map[string]any{"change": "Edited dialog Start", "version": ev.n}
	case chatbots.ActionExported:
		e.Details = map[string]any{"version": b.Version, "definition_hash": w.kinds[b.kind].hash}
	case lifecycle.ActionOverride:
		e.Details = map[string]any{"warnings": chatbot.Details(b.warnings), "reason": b.releases[0].OverrideReason}
	case lifecycle.ActionActivated:
		e.Details = status(store.StatusInactive, store.StatusActive)
		e.Details["release"], e.Details["definition_hash"] = ev.n, w.kinds[b.kind].hash
		if len(b.warnings) > 0 {
			e.Details["overridden_warnings"], e.Details["reason"] = chatbot.Details(b.warnings), b.releases[0].OverrideReason
		}
	case lifecycle.ActionDeactivated:
		if b.Status == store.StatusDeactivated {
			e.Details = status(store.StatusActive, store.StatusDeactivated)
			e.Details["grace_ends_at"], e.Details["open_sessions"] = b.GraceEndsAt.Format(time.RFC3339), b.open
		} else if b.endReason == store.CloseDeactivated {
			e.Details = status(store.StatusActive, store.StatusInactive)
			e.Details["sessions_closed"], e.Details["close_reason"] = b.closed, store.CloseDeactivated
		} else {
			e.Details = status(store.StatusActive, store.StatusDeactivated)
			e.Details["grace_ends_at"] = b.endAt.Format(time.RFC3339)
		}
	case lifecycle.ActionGraceEnded:
		e.Details = status(store.StatusDeactivated, store.StatusInactive)
		e.Details["sessions_closed"], e.Details["close_reason"] = b.closed, b.endReason
		e.Details["ended_early"] = b.endReason == store.CloseSuperseded
	}
}
