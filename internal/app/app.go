// Package app wires the services over one store, for the binary and for
// tests, so that both run the same assembly. The web server is built over
// an App by web.ForApp: nothing under internal/ depends on the HTTP layer.
package app

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/analytics"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/handover"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/live"
	"github.com/answers-console/answers/internal/routing"
	"github.com/answers-console/answers/internal/senders"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/webhooks"
)

// App is the console's services over one database.
type App struct {
	Store     *store.Store
	Accounts  *accounts.Service
	Senders   *senders.Service
	Chatbots  *chatbots.Service
	Routing   *routing.Service
	Lifecycle *lifecycle.Service
	Analytics *analytics.Service
	Webhooks  *webhooks.Service
	// Handover is people's side of the conversations a chatbot handed
	// over (SPEC §11).
	Handover *handover.Service
	// Deliverer sends the outbox's events to the endpoints; it runs with
	// the sweeper on the leader.
	Deliverer *webhooks.Deliverer
	// Live wakes the web chat's open streams when their conversation
	// gets messages, on every replica.
	Live *live.Hub
	Log  *slog.Logger
	// moreToSweep says that the last sweep left rows of sessions that
	// ended logically to rewrite.
	moreToSweep atomic.Bool
}

// New assembles the services.
func New(st *store.Store, log *slog.Logger) *App {
	rt := routing.New(st)
	rt.Log = log
	hub := live.New(st, log)
	rt.Delivered = hub.Publish
	ho := handover.New(st)
	ho.Published = hub.Publish
	return &App{
		Handover: ho,
		Live:     hub,
		Store:    st, Accounts: accounts.New(st), Senders: senders.New(st), Chatbots: chatbots.New(st),
		Routing: rt, Lifecycle: lifecycle.New(st), Analytics: analytics.New(st), Log: log,
		Webhooks:  webhooks.New(st, webhooks.Guard{}),
		Deliverer: webhooks.NewDeliverer(st, webhooks.Guard{}, webhooks.DefaultSchedule(), log),
	}
}

// SetWebhooks sets the addresses endpoints may reach beyond the public
// internet (--webhook-allow) and the retry schedule (--webhook-retry).
func (a *App) SetWebhooks(g webhooks.Guard, s webhooks.Schedule) {
	a.Webhooks.Guard = g
	a.Deliverer.Client = webhooks.NewClient(g)
	a.Deliverer.Schedule = s
}

// SetClock makes every service read time from now (tests).
func (a *App) SetClock(now func() time.Time) {
	a.Accounts.Now, a.Senders.Now, a.Chatbots.Now, a.Routing.Now, a.Lifecycle.Now, a.Analytics.Now = now, now, now, now, now, now
	a.Webhooks.Now, a.Deliverer.Now, a.Handover.Now = now, now, now
}

// Sweep ends grace periods that ran out, rewrites the rows of sessions
// that ended logically, and closes timed-out sessions.
func (a *App) Sweep(ctx context.Context) error {
	// One failing grace end must not hold up session timeouts.
	_, gerr := a.Lifecycle.ExpireGraces(ctx)
	// The rows of sessions that ended logically (grace ends,
	// deactivations) are rewritten in small batches; readers see them
	// closed already. A share of the time at a go, so that the next
	// grace deadline is still met within a second; RunSweeper comes back
	// at once while rows are left.
	_, more, eerr := a.Lifecycle.SweepEndedFor(ctx, sweepBudget)
	a.moreToSweep.Store(more)
	_, terr := a.Routing.Sweep(ctx)
	// Conversations that waited for a person too long go back to the bot
	// or close (SPEC §11).
	_, herr := a.Handover.ApplyTimeouts(ctx)
	return errors.Join(gerr, eerr, terr, herr)
}

// sweepBudget is how long one sweep rewrites the rows of sessions that
// ended logically before it looks at the grace deadlines again.
const sweepBudget = 250 * time.Millisecond

// sketchEvery is how often the end-user sketches of finished hours are
// written.
const sketchEvery = time.Minute

// PrepareAnalytics recounts the rollups when a database has traffic but
// none (traffic from before the rollups existed), then writes the end-user
// sketches of the hours that ended while the server was down.
func (a *App) PrepareAnalytics(ctx context.Context) error {
	has, err := a.Store.HasRollups(ctx)
	if err != nil {
		return err
	}
	if _, any, err := a.Store.FirstSessionHour(ctx); err != nil {
		return err
	} else if any && !has {
		a.Log.Info("analytics: counting the existing traffic into rollups")
		return a.Analytics.Rebuild(ctx)
	}
	return a.Analytics.SketchEndUsers(ctx)
}

// RunBackground runs the sweeper and the webhook deliverer while this
// process is the leader (on PostgreSQL one replica at a time is; see
// store.RunAsLeader). Deliveries run on the leader rather than as
// FOR UPDATE SKIP LOCKED claims on every replica: SQLite has one process
// anyway, the claim needs no extra state to expire when a replica dies
// mid-delivery, and one leader's workers keep ordering and backoff per
// endpoint in one place; a replica that dies mid-delivery leaves its
// delivery pending, tried again by the next leader (at least once).
func (a *App) RunBackground(ctx context.Context) {
	// Every replica carries live wake-ups, leader or not.
	go a.Live.Run(ctx)
	a.Store.RunAsLeader(ctx, a.Log, func(ctx context.Context) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			a.Deliverer.Run(ctx)
		}()
		a.RunSweeper(ctx)
		<-done
	})
}

// RunSweeper sweeps at once (deadlines that passed while the server was
// down, or while no replica led, are applied when it starts), then again
// at the next grace deadline, when a deadline is set (Wakeups), or after
// a second, whichever comes first, until ctx ends. Every minute it also
// writes the end-user sketches of the hours that ended.
func (a *App) RunSweeper(ctx context.Context) {
	sketched := time.Now()
	for {
		if err := a.Sweep(ctx); err != nil && ctx.Err() == nil {
			a.Log.Error("sweeper", "error", err)
		}
		if time.Since(sketched) >= sketchEvery {
			sketched = time.Now()
			if err := a.Analytics.SketchEndUsers(ctx); err != nil && ctx.Err() == nil {
				a.Log.Error("analytics sketches", "error", err)
			}
		}
		wait := time.Second
		if a.moreToSweep.Load() {
			wait = 10 * time.Millisecond // rows left to rewrite
		}
		if next, err := a.Store.NextGraceEnd(ctx); err == nil && !next.IsZero() {
			if d := next.Sub(a.Lifecycle.Now()); d < wait {
				wait = max(d, 10*time.Millisecond)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-a.Store.Wakeups():
			t.Stop()
		}
	}
}

// Instrument counts messages routed and lifecycle transitions on reg, and
// exposes the number of open sessions there, and of this replica's open
// chat event streams.
func (a *App) Instrument(reg *prometheus.Registry) {
	routed := prometheus.NewCounter(prometheus.CounterOpts{Name: "answers_messages_routed_total", Help: "Inbound messages routed to a chatbot."})
	replies := prometheus.NewCounter(prometheus.CounterOpts{Name: "answers_replies_total", Help: "Chatbot replies sent."})
	opened := prometheus.NewCounter(prometheus.CounterOpts{Name: "answers_sessions_opened_total", Help: "End-user sessions opened."})
	transitions := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "answers_lifecycle_transitions_total", Help: "Lifecycle transitions by action."}, []string{"action"})
	open := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "answers_sessions_open", Help: "End-user sessions open now."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := a.Store.CountAllOpenSessions(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	streams := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "answers_chat_streams_open", Help: "Web chat event streams open on this replica."},
		func() float64 { return float64(a.Live.Open()) })
	reg.MustRegister(routed, replies, opened, transitions, open, streams)
	a.Routing.Routed = func(n int, wasOpened, _ bool) {
		routed.Inc()
		replies.Add(float64(n))
		if wasOpened {
			opened.Inc()
		}
	}
	a.Lifecycle.Transitioned = func(action string) { transitions.WithLabelValues(action).Inc() }
}
