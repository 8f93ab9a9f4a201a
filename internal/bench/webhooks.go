package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/webhooks"
)

// webhooks measures the outbound webhooks (SPEC §10) on one replica: the
// deliveries a second the server's deliverer reaches to a receiver on
// loopback, how long an event waits from its change to the receiver, and
// what delivering costs the inbound traffic that makes the events.
//
//   - The receiver runs in this process: it answers 204 at once, and
//     counts a delivery only when its Standard Webhooks signature verifies
//     with the endpoint's secret (every one is checked: an HMAC of a few
//     hundred bytes) and its timestamp is within five minutes, once per
//     webhook-id.
//   - The endpoint is registered through the API (POST /api/v1/webhooks)
//     for session.opened only; cfg.InboundWorkers end users then write
//     for cfg.WebhookDuration, each message from a new end user, so each
//     opens a session and makes one event. Before the endpoint exists the
//     same traffic runs as long again: the inbound row's floor.
//   - Deliveries a second: the receipts of distinct webhook-ids from the
//     first to the last, once every acknowledged message's event came (or
//     none came for webhookDrainIdle). Its floor is webhooks.Send itself
//     (sign, POST, read the answer) from as many goroutines as the
//     deliverer has workers, straight to the receiver: no outbox, no log.
//   - Lag: from the event's data.opened_at (the session's opening, in the
//     transaction that wrote the event) to its receipt.
func (b *run) webhooks(ctx context.Context) {
	d := b.cfg.WebhookDuration
	name := "webhook deliveries of session.opened to a receiver on loopback"
	if len(b.target.Traffic) == 0 {
		b.skip(name, "no sender with an active chatbot")
		return
	}
	rec, err := newReceiver()
	if err != nil {
		b.skip(name, "starting the receiver: "+err.Error())
		return
	}
	defer rec.close()

	send := func(phase int) func(context.Context, int, int) error {
		return func(ctx context.Context, w, i int) error {
			s := b.target.Traffic[(w*31+i*7)%len(b.target.Traffic)]
			return b.api.Message(ctx, s, fmt.Sprintf("+1777%d%09d", phase, i), "hi")
		}
	}
	before := Run(ctx, b.cfg.InboundWorkers, 0, d, send(1))

	var ep struct {
		ID     int64  `json:"id"`
		Secret string `json:"secret"`
	}
	err = b.api.Do(ctx, http.MethodPost, "/api/v1/webhooks", map[string]any{
		"url": rec.url + "/hooks", "events": []string{webhooks.EventSessionOpened}, "description": "answers-bench receiver",
	}, &ep)
	if err != nil {
		b.skip(name, "registering the endpoint: "+err.Error()+" (answers serve needs --webhook-allow 127.0.0.1/32)")
		return
	}
	rec.setSecret(ep.Secret)
	defer func() {
		// Nothing more is sent to the receiver, which is going away.
		if err := b.api.Do(context.WithoutCancel(ctx), http.MethodDelete, fmt.Sprintf("/api/v1/webhooks/%d", ep.ID), nil, nil); err != nil {
			b.note("deleting the benchmark's webhook endpoint: " + err.Error())
		}
	}()

	stop := b.profile(ctx, "webhooks", d)
	during := Run(ctx, b.cfg.InboundWorkers, 0, d, send(2))
	sentBy := time.Now()
	stop()
	sent := len(during.Latencies)
	drained := rec.wait(ctx, sent, webhookDrainIdle)
	got := rec.snapshot()

	b.add(latencyRow(fmt.Sprintf("inbound POST /api/v1/messages from new end users, while their session.opened events are delivered (%d end users at a time)", b.cfg.InboundWorkers),
		during.Stat(), before.Stat(), "the same traffic before the endpoint existed (no events)"))

	fl := sendFloor(ctx, rec, ep.Secret, max(sent, 1), delivererWorkers())
	floorStat := fl.Stat()
	rate := got.rate()
	row := Row{Name: name, Unit: "/s", N: got.n, Median: rate, P99: rate, PerSec: rate,
		Floor:       fmt.Sprintf("webhooks.Send straight to the receiver, %d at a time", fl.workers),
		FloorMedian: floorStat.PerSec, FloorP99: floorStat.PerSec,
		Errors: max(sent-got.n, 0) + got.invalid + got.duplicates,
		Note:   fmt.Sprintf("%d events of %d acknowledged messages (made at %.0f/s), every signature verified", got.n, sent, float64(sent)/during.Elapsed.Seconds())}
	if got.n > 0 {
		// Near 0: the deliverer kept up, and the rate is the events'.
		row.Note += fmt.Sprintf("; the last came %.2f s after the last message", got.last.Sub(sentBy).Seconds())
	}
	if !drained {
		row.Note += fmt.Sprintf("; %d never came (waited until none came for %s)", max(sent-got.n, 0), webhookDrainIdle)
	}
	if got.invalid > 0 {
		row.Note += fmt.Sprintf("; %d refused by the receiver (first: %s)", got.invalid, got.firstInvalid)
	}
	if got.duplicates > 0 {
		row.Note += fmt.Sprintf("; %d webhook-ids came more than once", got.duplicates)
	}
	if n := got.n - sent; n > 0 {
		row.Note += fmt.Sprintf("; %d more events than acknowledged messages (calls that failed after their commit)", n)
	}
	row.ratios()
	b.add(row)
	b.add(latencyRow("webhook lag: from the session's opened_at to the receiver", Summarize(got.lags), floorStat,
		"one webhooks.Send to the receiver"))
}

// webhookDrainIdle is how long the benchmark waits for the next delivery
// before it counts the rest as lost.
const webhookDrainIdle = 30 * time.Second

// receipt is one delivery the receiver counted.
type receipt struct {
	at     time.Time // when it came
	opened time.Time // the event's data.opened_at
}

// receiver is the benchmark's webhook endpoint, on loopback.
type receiver struct {
	url string
	srv *http.Server

	mu           sync.Mutex
	secret       string
	got          map[string]receipt // by webhook-id
	duplicates   int
	invalid      int
	firstInvalid string
	floor        int // /floor requests that verified
	arrived      chan struct{}
}

func newReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{url: "http://" + ln.Addr().String(), got: map[string]receipt{}, arrived: make(chan struct{}, 1)}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }() // ends with close
	return r, nil
}

func (r *receiver) close() { _ = r.srv.Close() }

func (r *receiver) setSecret(s string) {
	r.mu.Lock()
	r.secret = s
	r.mu.Unlock()
}

// timestampTolerance is how far a webhook-timestamp may be from the
// receiver's clock (the Standard Webhooks libraries' default).
const timestampTolerance = 5 * time.Minute

// ServeHTTP checks a delivery as a receiver must (signature, timestamp)
// and notes it; /floor requests are checked the same way and only
// counted.
func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	body, err := io.ReadAll(io.LimitReader(req.Body, webhooks.ReadLimit))
	id := req.Header.Get("webhook-id")
	r.mu.Lock()
	secret := r.secret
	r.mu.Unlock()
	opened, err := checkDelivery(secret, id, req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature"), body, at, err)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err != nil:
		r.invalid++
		if r.firstInvalid == "" {
			r.firstInvalid = err.Error()
		}
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	case req.URL.Path == "/floor":
		r.floor++
	default:
		if _, seen := r.got[id]; seen {
			r.duplicates++
		} else {
			r.got[id] = receipt{at: at, opened: opened}
		}
		select {
		case r.arrived <- struct{}{}:
		default:
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// checkDelivery verifies one request and returns its event's opened_at
// (zero for an event without one, such as the floor's).
func checkDelivery(secret, id, ts, sig string, body []byte, now time.Time, readErr error) (time.Time, error) {
	if readErr != nil {
		return time.Time{}, fmt.Errorf("reading the body: %w", readErr)
	}
	if secret == "" || id == "" {
		return time.Time{}, errors.New("a request before the endpoint was registered, or without a webhook-id")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("webhook-timestamp %q is not a number", ts)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > timestampTolerance || d < -timestampTolerance {
		return time.Time{}, fmt.Errorf("webhook-timestamp %d is %s off the receiver's clock", sec, d.Round(time.Second))
	}
	if err := webhooks.Verify(secret, id, sec, body, sig); err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", id, err)
	}
	var ev struct {
		Data struct {
			OpenedAt string `json:"opened_at"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		return time.Time{}, fmt.Errorf("%s: the body is not JSON: %w", id, err)
	}
	if ev.Data.OpenedAt == "" {
		return time.Time{}, nil
	}
	opened, err := time.Parse(store.TimeFormat, ev.Data.OpenedAt)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: data.opened_at %q: %w", id, ev.Data.OpenedAt, err)
	}
	return opened, nil
}

// floors is how many /floor requests verified.
func (r *receiver) floors() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.floor
}

// wait waits until n deliveries came, or none came for idle; it reports
// whether all did.
func (r *receiver) wait(ctx context.Context, n int, idle time.Duration) bool {
	t := time.NewTimer(idle)
	defer t.Stop()
	for {
		r.mu.Lock()
		have := len(r.got)
		r.mu.Unlock()
		if have >= n {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return false
		case <-r.arrived:
			if !t.Stop() {
				<-t.C
			}
			t.Reset(idle)
		}
	}
}

// received is what the receiver counted.
type received struct {
	n                   int // distinct webhook-ids
	lags                []time.Duration
	first, last         time.Time
	invalid, duplicates int
	firstInvalid        string
}

func (r *receiver) snapshot() received {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := received{n: len(r.got), invalid: r.invalid, duplicates: r.duplicates, firstInvalid: r.firstInvalid}
	for _, rc := range r.got {
		if out.first.IsZero() || rc.at.Before(out.first) {
			out.first = rc.at
		}
		if rc.at.After(out.last) {
			out.last = rc.at
		}
		if !rc.opened.IsZero() {
			out.lags = append(out.lags, rc.at.Sub(rc.opened))
		}
	}
	return out
}

// rate is the deliveries a second from the first receipt to the last.
func (g received) rate() float64 {
	if span := g.last.Sub(g.first); g.n > 1 && span > 0 {
		return float64(g.n-1) / span.Seconds()
	}
	return 0
}

// delivererWorkers is how many deliveries the server's deliverer makes
// at once (its default; answers serve does not change it).
func delivererWorkers() int {
	return webhooks.NewDeliverer(nil, webhooks.Guard{}, webhooks.Schedule{}, nil).Workers
}

// floorResult is the floor run of the deliveries row.
type floorResult struct {
	Result
	workers int
}

// sendFloor makes n signed deliveries straight to the receiver's /floor
// with webhooks.Send from workers goroutines, over the deliverer's own
// client (the guard allowing loopback).
func sendFloor(ctx context.Context, rec *receiver, secret string, n, workers int) floorResult {
	client := webhooks.NewClient(webhooks.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	ep := store.WebhookEndpoint{URL: rec.url + "/floor", Secret: secret}
	body := []byte(`{"type":"session.opened","timestamp":"2026-01-01T00:00:00.000000Z","data":{"session_id":1,"sender_id":1,"chatbot_id":1,"end_user":"+17770000000000","opened_at":"2026-01-01T00:00:00.000000Z"}}`)
	res := Run(ctx, workers, n, 0, func(ctx context.Context, _, i int) error {
		r := webhooks.Send(ctx, client, ep, "floor_"+strconv.Itoa(i), time.Now(), body)
		if r.Err != "" {
			return errors.New(r.Err)
		}
		if r.Status != http.StatusNoContent {
			return fmt.Errorf("the receiver answered %d: %s", r.Status, r.Response)
		}
		return nil
	})
	return floorResult{Result: res, workers: workers}
}
