package seed

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
)

const day = 24 * time.Hour

// bot is a chatbot to seed with its history.
type bot struct {
	store.Chatbot
	kind     int
	sender   int       // index into world.senders; -1 for none
	from, to time.Time // live window: its sessions open in [from, to)
	// For an inactive chatbot: when the sessions still open at its end
	// were closed, and why.
	endAt     time.Time
	endReason string
	releases  []store.Release
	warnings  []chatbot.Finding
	weight    float64 // share of traffic per day live
	// replaces is, for an active chatbot that replaced a deactivated one
	// on its sender, the index of that one; -1 otherwise.
	replaces int
	closed   int // sessions its end closed, for the audit details
	open     int // open sessions, for the audit details
}

// live reports whether the chatbot is active or deactivated.
func (b *bot) live() bool { return b.Status != store.StatusInactive }

// world is everything but sessions and the audit log.
type world struct {
	now      time.Time
	userBase int64 // users are numbered after the ones already there
	kinds    []kind
	users    []store.User
	senders  []store.Sender
	bots     []*bot
	grace    int // index of the grace-end benchmark's chatbot; -1 for none
	admins   []int
	managers []int // managers and admins: who activates
	editors  []int // designers and up: who edits
}

// statusCounts splits m chatbots into active, deactivated, inactive (once
// activated) and drafts: every status from four chatbots up, and never
// more deactivated than active ones (each is replaced by an active one
// on its sender).
func statusCounts(m int) (act, deact, inact, draft int) {
	if m < 4 {
		c := [4]int{}
		for i := 0; i < m; i++ {
			c[[]int{0, 2, 3}[i]]++
		}
		return c[0], c[1], c[2], c[3]
	}
	act, deact, inact = max(1, m*40/100), max(1, m*4/100), max(1, m*26/100)
	return act, deact, inact, m - act - deact - inact
}

func between(r *rand.Rand, lo, hi time.Time) time.Time {
	if !hi.After(lo) {
		return lo
	}
	return lo.Add(time.Duration(r.Int64N(int64(hi.Sub(lo)))))
}

func ago(now time.Time, lo, hi time.Duration, r *rand.Rand) time.Time {
	return between(r, now.Add(-hi), now.Add(-lo))
}

var timeouts = []struct {
	d      time.Duration
	weight int
}{{15 * time.Minute, 60}, {30 * time.Minute, 15}, {time.Hour, 10}, {4 * time.Hour, 8}, {24 * time.Hour, 5}, {48 * time.Hour, 2}}

func timeoutFor(r *rand.Rand) time.Duration {
	n := r.IntN(100)
	for _, t := range timeouts {
		if n < t.weight {
			return t.d
		}
		n -= t.weight
	}
	return 15 * time.Minute
}

// newWorld plans users, senders and chatbots with their releases.
func newWorld(o Options, r *rand.Rand, ks []kind, passwordHash string, userBase int64) (*world, error) {
	w := &world{now: o.Now, kinds: ks, grace: -1, userBase: userBase}
	w.addUsers(r, passwordHash)
	m := o.Chatbots
	if o.GraceSessions > 0 {
		m -= 2
	}
	act, deact, inact, draft := statusCounts(m)
	idle := 0
	if m >= 4 {
		idle = max(1, m*3/100)
	}
	for i := 0; i < act+idle; i++ {
		w.addSender(r, channelFor(r), ago(o.Now, 150*day, 200*day, r))
	}
	for i := 0; i < act; i++ {
		w.addBot(r, store.StatusActive, i)
	}
	for j := 0; j < deact; j++ {
		a := j * act / deact
		d := w.addBot(r, store.StatusDeactivated, w.bots[a].sender)
		w.replace(r, w.bots[a], d)
	}
	for i := 0; i < inact; i++ {
		w.addBot(r, store.StatusInactive, r.IntN(len(w.senders)))
	}
	for i := 0; i < draft; i++ {
		s := -1
		if len(w.senders) > 0 && r.IntN(100) < 85 {
			s = r.IntN(len(w.senders))
		}
		w.addBot(r, "draft", s)
	}
	if o.GraceSessions > 0 {
		w.addGracePair(r)
	}
	for _, b := range w.bots {
		if err := w.activations(r, b); err != nil {
			return nil, err
		}
	}
	w.number()
	return w, nil
}

// addUsers adds five accounts per role, admins first: the first admin
// set the console up.
func (w *world) addUsers(r *rand.Rand, hash string) {
	start := w.now.Add(-200 * day)
	roles := rbac.Roles()
	slices.Reverse(roles)
	for _, role := range roles {
		for i := 0; i < 5; i++ {
			f, l := pick(r, firstNames), pick(r, lastNames)
			n := len(w.users)
			at := start.Add(time.Duration(n) * day)
			w.users = append(w.users, store.User{
				ID: w.userBase + int64(n+1), Email: fmt.Sprintf("%s.%s%d@seed.example", strings.ToLower(f), strings.ToLower(l), n+1),
				Name: f + " " + l, Role: role, PasswordHash: hash, CreatedAt: at, UpdatedAt: at,
				LastLoginAt: ago(w.now, 0, 7*day, r),
			})
			if role >= rbac.Designer {
				w.editors = append(w.editors, n)
			}
			if role >= rbac.Manager {
				w.managers = append(w.managers, n)
			}
			if role == rbac.Admin {
				w.admins = append(w.admins, n)
			}
		}
	}
}

func (w *world) addSender(r *rand.Rand, channel string, at time.Time) int {
	i := len(w.senders)
	w.senders = append(w.senders, store.Sender{
		Channel: channel, Address: senderAddress(channel, i), CreatedAt: at, UpdatedAt: at,
		InboundKey: fmt.Sprintf("ik_seed%016x%016x", r.Uint64(), r.Uint64()),
	})
	return i
}

// addBot plans a chatbot of a status ("draft" for a never activated one)
// on a sender (-1: none).
func (w *world) addBot(r *rand.Rand, status string, sender int) *bot {
	i := len(w.bots)
	k := r.IntN(len(w.kinds))
	b := &bot{kind: k, sender: sender, replaces: -1, weight: math.Exp(1.3 * r.NormFloat64())}
	b.Name = chatbotName(r, i, k)
	b.Language = pick(r, languages)
	b.SessionTimeout = timeoutFor(r)
	b.Definition = w.kinds[k].def
	b.Channel = channelFor(r)
	if sender >= 0 {
		b.Channel = w.senders[sender].Channel
		b.SenderID = int64(sender + 1) // renumbered by number()
	}
	now := w.now
	switch status {
	case "draft":
		b.Status = store.StatusInactive
		b.CreatedAt = ago(now, 0, 180*day, r)
		b.UpdatedAt = between(r, b.CreatedAt, now)
		b.Version = 1 + int64(r.IntN(15))
	case store.StatusActive:
		b.Status = status
		b.CreatedAt = ago(now, 30*day, 180*day, r)
		b.from, b.to = b.CreatedAt.Add(time.Hour+time.Duration(r.Int64N(int64(7*day)))), now
	case store.StatusDeactivated:
		b.Status = status
		b.CreatedAt = ago(now, 60*day, 180*day, r)
		b.from = b.CreatedAt.Add(time.Hour + time.Duration(r.Int64N(int64(7*day))))
		b.to = ago(now, 20*time.Minute, 3*time.Hour, r)
		b.LastDeactivatedAt = b.to
		b.GraceEndsAt = b.to.Add(pick(r, []time.Duration{day, 2 * day, 3 * day, 7 * day}))
	case store.StatusInactive:
		b.Status = status
		b.weight *= 0.6
		b.CreatedAt = ago(now, 20*day, 180*day, r)
		b.from = b.CreatedAt.Add(time.Hour + time.Duration(r.Int64N(int64(5*day))))
		b.to = b.from.Add(3*day + time.Duration(r.Int64N(int64(57*day))))
		if last := now.Add(-day); b.to.After(last) {
			b.to = last
		}
		b.endAt, b.endReason = b.to, store.CloseDeactivated
		switch n := r.IntN(10); {
		case n < 3: // it finished its sessions in a grace period
			b.endAt, b.endReason = b.to.Add(time.Hour+time.Duration(r.Int64N(int64(day)))), store.CloseGraceEnded
		case n < 4: // its grace was ended early
			b.endAt, b.endReason = b.to.Add(10*time.Minute+time.Duration(r.Int64N(int64(time.Hour)))), store.CloseSuperseded
		}
		if last := now.Add(-time.Minute); b.endAt.After(last) {
			b.endAt = last // a grace that would end in the future has ended just now
		}
		b.LastDeactivatedAt = b.endAt
	}
	w.bots = append(w.bots, b)
	return b
}

// replace makes a the active chatbot that replaced d on their sender (a
// redeploy with a grace period for d).
func (w *world) replace(r *rand.Rand, a, d *bot) {
	a.replaces = slices.Index(w.bots, d)
	a.from = d.to
	a.CreatedAt = d.to.Add(-day - time.Duration(r.Int64N(int64(20*day))))
	a.Channel = d.Channel
}

// GraceChatbotName is the name of the deactivated chatbot that holds the
// open sessions asked for with Options.GraceSessions.
const GraceChatbotName = "Spring campaign (retiring)"

// addGracePair adds a sender where GraceChatbotName, deactivated half an
// hour ago with a week's grace and a week's session timeout, still has its
// campaign's sessions open, and its replacement is active.
func (w *world) addGracePair(r *rand.Rand) {
	s := w.addSender(r, "whatsapp", w.now.Add(-120*day))
	g := w.addBot(r, store.StatusDeactivated, s)
	g.Name, g.kind, g.weight = GraceChatbotName, 1%len(w.kinds), 0
	g.Definition = w.kinds[g.kind].def
	g.SessionTimeout = 7 * day
	g.CreatedAt = w.now.Add(-90 * day)
	g.from, g.to = w.now.Add(-80*day), w.now.Add(-30*time.Minute)
	g.LastDeactivatedAt, g.GraceEndsAt = g.to, w.now.Add(7*day)
	w.grace = len(w.bots) - 1
	a := w.addBot(r, store.StatusActive, s)
	a.Name = "Spring campaign v2"
	w.replace(r, a, g)
}

// activations gives an activated chatbot its releases and timestamps.
func (w *world) activations(r *rand.Rand, b *bot) error {
	if b.from.IsZero() {
		return nil // a draft
	}
	k := w.kinds[b.kind]
	var sndChannel string
	if b.sender >= 0 {
		sndChannel = w.senders[b.sender].Channel
	}
	findings := chatbot.Validate(k.sample.Definition, chatbot.Context{
		Channel: b.Channel, SessionTimeout: b.SessionTimeout, HasSender: b.sender >= 0, SenderChannel: sndChannel})
	if errs := chatbot.Errors(findings); len(errs) > 0 {
		return fmt.Errorf("seed definition %q does not validate on %s: %s", k.sample.Name, b.Channel, errs[0].Message)
	}
	b.warnings = chatbot.Warnings(findings)
	report, _ := json.Marshal(chatbot.Details(b.warnings))
	reason := ""
	if len(b.warnings) > 0 {
		reason = pick(r, []string{"Reviewed with the team; fine for now.", "Known: the campaign needs long sessions.", "Accepted by product owner."})
	}
	n := 1 + r.IntN(3)
	if b.replaces >= 0 {
		n = 1
	}
	for j := 0; j < n; j++ {
		at := b.from.Add(b.to.Sub(b.from) * time.Duration(j) / time.Duration(n))
		by := w.users[pick(r, w.managers)]
		b.releases = append(b.releases, store.Release{
			Number: j + 1, Definition: b.Definition, DefinitionHash: k.hash, Report: report, OverrideReason: reason,
			ActivatedByID: by.ID, ActivatedBy: by.Email, ActivatedAt: at,
		})
	}
	b.FirstActivatedAt, b.LastActivatedAt = b.releases[0].ActivatedAt, b.releases[n-1].ActivatedAt
	if n > 1 && b.Status == store.StatusActive {
		b.LastDeactivatedAt = b.LastActivatedAt.Add(-time.Hour)
	}
	b.UpdatedAt = between(r, b.CreatedAt, b.FirstActivatedAt)
	b.Version = int64(n) + int64(r.IntN(10)) + 1
	return nil
}

// number gives users, senders, chatbots and releases their ids in the
// order they were created, as the console would have.
func (w *world) number() {
	so := make([]int, len(w.senders))
	for i := range so {
		so[i] = i
	}
	slices.SortStableFunc(so, func(a, b int) int { return w.senders[a].CreatedAt.Compare(w.senders[b].CreatedAt) })
	newID := make([]int64, len(w.senders))
	sorted := make([]store.Sender, len(w.senders))
	for id, i := range so {
		newID[i] = int64(id + 1)
		sorted[id] = w.senders[i]
		sorted[id].ID = int64(id + 1)
	}
	w.senders = sorted
	for _, b := range w.bots {
		if b.sender >= 0 {
			b.SenderID = newID[b.sender]
			b.sender = int(newID[b.sender]) - 1
		}
	}
	bots := slices.Clone(w.bots)
	slices.SortStableFunc(bots, func(a, b *bot) int { return a.CreatedAt.Compare(b.CreatedAt) })
	for i, b := range bots {
		b.ID = int64(i + 1)
	}
	var rels []*store.Release
	for _, b := range w.bots {
		for j := range b.releases {
			b.releases[j].ChatbotID = b.ID
			rels = append(rels, &b.releases[j])
		}
	}
	slices.SortStableFunc(rels, func(a, b *store.Release) int { return a.ActivatedAt.Compare(b.ActivatedAt) })
	for i, rel := range rels {
		rel.ID = int64(i + 1)
	}
}
