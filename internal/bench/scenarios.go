package bench

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/answers-console/answers/internal/store"
)

// pages loads each page with cfg.PageWorkers signed-in admins for
// cfg.PageDuration, then the floor server with pages of the same size;
// and again with cfg.BusyPageWorkers, for half as long.
func (b *run) pages(ctx context.Context) {
	for _, p := range Pages() {
		name := "page: " + p.Name
		paths := p.Paths(b.target, time.Now().UTC())
		start := time.Now()
		status, size, err := b.console.Get(ctx, paths[0])
		cold := time.Since(start)
		switch {
		case status == http.StatusNotFound && p.Optional:
			b.skip(name, fmt.Sprintf("GET %s answers 404: not built on this branch, skipped", paths[0]))
			continue
		case err == nil && status != http.StatusOK:
			err = fmt.Errorf("GET %s: status %d", paths[0], status)
		}
		if err != nil {
			b.skip(name, err.Error())
			continue
		}
		stop := b.profile(ctx, "page-"+slug(p.Name), b.cfg.PageDuration)
		row := b.loadPage(ctx, name, paths, size, b.cfg.PageWorkers, b.cfg.PageDuration, b.cfg.FloorDuration)
		stop()
		row.Note = strings.TrimPrefix(row.Note+fmt.Sprintf("; %d paths in turn, %d KiB, cold first request %.1f ms", len(paths), size/1024, ms(cold)), "; ")
		b.add(row)
		if n := b.cfg.BusyPageWorkers; n > 0 {
			busy := b.loadPage(ctx, fmt.Sprintf("%s, %d admins", name, n), paths, size, n, b.cfg.PageDuration/2, b.cfg.FloorDuration/2)
			busy.Note = strings.TrimPrefix(busy.Note+fmt.Sprintf("; %d admins at once", n), "; ")
			b.add(busy)
		}
	}
}

// loadPage loads paths in turn from workers signed-in admins for d, and
// the floor's page of as many bytes for floorD, and makes their row.
func (b *run) loadPage(ctx context.Context, name string, paths []string, size, workers int, d, floorD time.Duration) Row {
	res := Run(ctx, workers, 0, d, func(ctx context.Context, _, i int) error {
		return b.console.getOK(ctx, paths[i%len(paths)])
	})
	floorPath := fmt.Sprintf("/page?bytes=%d", size)
	fl := Run(ctx, workers, 0, floorD, func(ctx context.Context, _, _ int) error {
		return b.floor.getOK(ctx, floorPath)
	})
	return latencyRow(name, res.Stat(), fl.Stat(), fmt.Sprintf("bare net/http, same %d KiB", size/1024))
}

// inbound sends messages for cfg.InboundDuration from cfg.InboundWorkers
// end users at a time, each holding a conversation of a few messages, to
// the senders of active chatbots; the floor is as many bare insert
// transactions from as many goroutines on the same disk.
func (b *run) inbound(ctx context.Context) {
	texts := []string{"hi", "what are your opening hours?", "1042", "yes"}
	counters := make([]int, b.cfg.InboundWorkers)
	var before pgUsage
	if b.engine == "postgres" {
		var err error
		if before, err = b.usage(ctx); err != nil {
			b.note("PostgreSQL usage: " + err.Error())
		}
	}
	stop := b.profile(ctx, "inbound", b.cfg.InboundDuration)
	res := Run(ctx, b.cfg.InboundWorkers, 0, b.cfg.InboundDuration, func(ctx context.Context, w, _ int) error {
		k := counters[w]
		counters[w]++
		conv := k / len(texts)
		s := b.target.Traffic[(w*31+conv*7)%len(b.target.Traffic)]
		return b.api.Message(ctx, s, fmt.Sprintf("+1999%03d%06d", w, conv), texts[k%len(texts)])
	})
	stop()
	var cost string
	if n := len(res.Latencies); b.engine == "postgres" && n > 0 && before.wal > 0 {
		if after, err := b.usage(ctx); err == nil {
			cost = fmt.Sprintf("PostgreSQL per message: %.0f bytes of WAL", float64(after.wal-before.wal)/float64(n))
			if after.cpu > 0 {
				cost += fmt.Sprintf(", %.0f µs of server CPU", float64((after.cpu-before.cpu).Microseconds())/float64(n))
			}
		}
	}
	var lat []time.Duration
	var total time.Duration
	dsn, err := b.floorDSN(ctx, "floor-insert")
	if err == nil {
		lat, total, err = store.InsertFloor(ctx, dsn, max(1, len(res.Latencies)), b.cfg.InboundWorkers)
	}
	if err != nil {
		b.note("the insert floor failed: " + err.Error())
	}
	fl := Summarize(lat)
	if total > 0 {
		fl.PerSec = float64(len(lat)) / total.Seconds()
	}
	floorName := "bare SQLite insert transactions, same disk and pragmas"
	if b.engine == "postgres" {
		floorName = "bare one-INSERT transactions through pgx, same server"
	}
	row := latencyRow("inbound POST /api/v1/messages", res.Stat(), fl, floorName)
	if cost != "" {
		row.Note = strings.TrimPrefix(row.Note+"; "+cost, "; ")
	}
	b.add(row)
}

// sample is a call's start and latency.
type sample struct {
	at  time.Time
	lat time.Duration
}

// graceSweepWindow is how long routing is measured after a grace end:
// the end is logical (one chatbot row), and the server's sweeper then
// rewrites the session rows in small batches, starting within a second;
// at 100,000 sessions it is done within this window on the benchmark
// machine (BenchmarkGraceEnd100k's s/sweep).
const graceSweepWindow = 3 * time.Second

// grace ends the grace period of the chatbot with cfg.Seed.GraceSessions
// open sessions through the JSON API, while end users write to other
// senders; the floor of the grace end is one bare UPDATE of as many rows,
// the floor of routing is routing just before. Routing is measured over
// the grace end and the sweep that follows it (graceSweepWindow).
func (b *run) grace(ctx context.Context) {
	g := b.target.Grace
	name := fmt.Sprintf("grace end closing %d sessions", b.cfg.Seed.GraceSessions)
	if g.ID == 0 || g.GraceEndsAt == nil || !g.GraceEndsAt.After(time.Now()) {
		b.skip(name, "no chatbot in grace with the seeded sessions (seed with --grace-sessions, or -reseed)")
		return
	}
	var mu sync.Mutex
	var samples []sample
	send := func(prefix string, keep bool) func(context.Context, int, int) error {
		return func(ctx context.Context, w, i int) error {
			s := b.target.Traffic[(w*17+i)%len(b.target.Traffic)]
			t := time.Now()
			err := b.api.Message(ctx, s, fmt.Sprintf("+1888%s%03d%06d", prefix, w, i/4), "hi")
			if err == nil && keep {
				mu.Lock()
				samples = append(samples, sample{t, time.Since(t)})
				mu.Unlock()
			}
			return err
		}
	}
	before := Run(ctx, b.cfg.GraceRouters, 0, 3*time.Second, send("1", false))
	dctx, cancel := context.WithCancel(ctx)
	done := make(chan Result)
	go func() { done <- Run(dctx, b.cfg.GraceRouters, 0, time.Hour, send("2", true)) }()
	time.Sleep(300 * time.Millisecond)
	stop := b.profile(ctx, "grace-end", 5*time.Second)
	start := time.Now()
	var bot Chatbot
	err := b.api.Do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/chatbots/%d/end-grace", g.ID), map[string]any{}, &bot)
	took := time.Since(start)
	time.Sleep(graceSweepWindow)
	stop()
	cancel()
	during := <-done
	if err == nil && bot.Status != store.StatusInactive {
		err = fmt.Errorf("after end-grace the chatbot is %s", bot.Status)
	}
	if err != nil {
		b.skip(name, err.Error())
		return
	}
	var floor time.Duration
	dsn, ferr := b.floorDSN(ctx, "floor-update")
	if ferr == nil {
		floor, ferr = store.UpdateFloor(ctx, dsn, b.cfg.Seed.GraceSessions)
	}
	if ferr != nil {
		b.note("the update floor failed: " + ferr.Error())
	}
	row := Row{Name: name, Unit: "s", N: 1, Median: took.Seconds(), P99: took.Seconds(), Floor: "one bare UPDATE of as many rows, same disk (SQLite: pragmas; PostgreSQL: server)",
		FloorMedian: floor.Seconds(), FloorP99: floor.Seconds(), Note: "POST /api/v1/chatbots/{id}/end-grace"}
	row.ratios()
	b.add(row)
	// Routing while the grace end and the sweep after it ran: the calls
	// that overlapped them.
	var lat []time.Duration
	for _, s := range samples {
		if s.at.Before(start.Add(took+graceSweepWindow)) && s.at.Add(s.lat).After(start) {
			lat = append(lat, s.lat)
		}
	}
	st := Summarize(lat)
	st.Errors = during.Errors
	if during.FirstErr != nil {
		st.FirstErr = during.FirstErr.Error()
	}
	b.add(latencyRow("routing other senders during the grace end and its sweep", st, before.Stat(),
		fmt.Sprintf("routing just before, %d end users at a time", b.cfg.GraceRouters)))
}

func slug(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(s))
}
