package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// Limits of one delivery.
const (
	Timeout      = 10 * time.Second // connect, send and answer
	ReadLimit    = 64 << 10         // bytes of an answer read at most
	LogLimit     = 1 << 10          // bytes of an answer kept in the log
	defaultFirst = 5 * time.Second
)

// Schedule is when failed deliveries are tried again.
type Schedule struct {
	First        time.Duration // the first retry's delay; each next one is 4 times longer
	Max          time.Duration // no delay is longer
	Horizon      time.Duration // a delivery older than this is given up (failed)
	DisableAfter time.Duration // an endpoint failing this long is disabled
}

// DefaultSchedule retries after about 5 s, 20 s, 80 s, … up to 12 h
// apart, for 3 days; an endpoint failing for 5 days is disabled.
func DefaultSchedule() Schedule {
	return Schedule{First: defaultFirst, Max: 12 * time.Hour, Horizon: 72 * time.Hour, DisableAfter: 120 * time.Hour}
}

// ScaledSchedule is the default schedule with every duration scaled so
// that the first retry waits first (--webhook-retry, for tests).
func ScaledSchedule(first time.Duration) Schedule {
	s := DefaultSchedule()
	if first <= 0 {
		return s
	}
	scale := func(d time.Duration) time.Duration {
		return time.Duration(float64(d) * float64(first) / float64(defaultFirst))
	}
	return Schedule{First: first, Max: scale(s.Max), Horizon: scale(s.Horizon), DisableAfter: scale(s.DisableAfter)}
}

// Delay is the wait before the try after attempt (1-based), with up to
// ±20 % jitter so that many failed deliveries do not come back at once.
func (s Schedule) Delay(attempt int) time.Duration {
	d := s.First
	for i := 1; i < attempt && d < s.Max; i++ {
		d *= 4
	}
	d = min(d, s.Max)
	return d + time.Duration((rand.Float64()*0.4-0.2)*float64(d))
}

// retryAfter reads a Retry-After header (seconds or an HTTP date).
func retryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// NewClient is the HTTP client of deliveries: every connection's address
// is checked by the guard after name resolution, no proxy, no redirects
// followed, Timeout for the whole exchange.
func NewClient(g Guard) *http.Client {
	dialer := &net.Dialer{Timeout: Timeout, Control: g.Control}
	return &http.Client{
		Timeout: Timeout,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         dialer.DialContext,
			TLSHandshakeTimeout: Timeout,
			MaxIdleConnsPerHost: 8,
			IdleConnTimeout:     90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Deliverer fans events out to endpoints and delivers them. One runs per
// installation: on the leader (store.RunAsLeader), so replicas never
// deliver the same attempt twice.
type Deliverer struct {
	Store    *store.Store
	Client   *http.Client
	Schedule Schedule
	Now      func() time.Time
	Log      *slog.Logger
	Workers  int
}

// NewDeliverer makes a deliverer with the guard's client.
func NewDeliverer(st *store.Store, g Guard, s Schedule, log *slog.Logger) *Deliverer {
	return &Deliverer{Store: st, Client: NewClient(g), Schedule: s, Now: time.Now, Log: log, Workers: 8}
}

// Run delivers until ctx ends: after every commit that wrote an event,
// when the next retry is due, and at least twice a second (events
// written on other replicas).
func (d *Deliverer) Run(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := d.Round(ctx)
		if err != nil && ctx.Err() == nil {
			d.Log.Error("webhooks", "error", err)
		}
		if n > 0 && err == nil {
			continue
		}
		wait := 500 * time.Millisecond
		if next, err := d.Store.NextWebhookDelivery(ctx); err == nil && !next.IsZero() {
			wait = min(wait, max(next.Sub(d.Now()), 5*time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-d.Store.WebhookWakeups():
		}
		t.Stop()
	}
}

// Round fans out the pending events and tries every due delivery once;
// it returns how many events and deliveries it handled.
func (d *Deliverer) Round(ctx context.Context) (int, error) {
	var fanned int
	for {
		var n int
		err := d.Store.InTx(ctx, func(tx *store.Tx) error {
			var err error
			n, err = tx.FanOutWebhookEvents(ctx, d.Now().UTC(), 500)
			return err
		})
		if err != nil {
			return fanned, err
		}
		fanned += n
		if n < 500 {
			break
		}
	}
	due, err := d.Store.DueWebhookDeliveries(ctx, d.Now().UTC(), 200)
	if err != nil || len(due) == 0 {
		return fanned, err
	}
	eps := map[int64]store.WebhookEndpoint{}
	for _, dl := range due {
		if _, ok := eps[dl.EndpointID]; !ok {
			ep, err := d.Store.WebhookByID(ctx, dl.EndpointID)
			if err != nil {
				return fanned, err
			}
			eps[dl.EndpointID] = ep
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	sem := make(chan struct{}, max(d.Workers, 1))
	for _, dl := range due {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := d.deliver(ctx, eps[dl.EndpointID], dl); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return fanned + len(due), errors.Join(errs...)
}

// MessageID is the webhook-id of an event: the same for every try and
// every resend.
func MessageID(eventID int64) string { return "msg_" + strconv.FormatInt(eventID, 10) }

// Result is what one try got.
type Result struct {
	Status     int
	Latency    time.Duration
	Response   string
	Err        string
	RetryAfter time.Duration
}

// Send makes one signed request of body to the endpoint.
func Send(ctx context.Context, c *http.Client, ep store.WebhookEndpoint, id string, now time.Time, body []byte) Result {
	ts := now.Unix()
	sig, err := SignatureHeader(ep.Secrets(now), id, ts, body)
	if err != nil {
		return Result{Err: "the endpoint's secret is not valid base64: rotate it"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return Result{Err: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "AnswersConsole-Webhooks/1")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return Result{Latency: time.Since(start), Err: err.Error()}
	}
	defer resp.Body.Close()
	b, rerr := io.ReadAll(io.LimitReader(resp.Body, ReadLimit))
	r := Result{Status: resp.StatusCode, Latency: time.Since(start), Response: firstKiB(b), RetryAfter: retryAfter(resp.Header.Get("Retry-After"), now)}
	if rerr != nil {
		r.Err = "reading the answer: " + rerr.Error()
	}
	return r
}

// firstKiB is the first LogLimit bytes of b, cut at a character boundary
// and made valid UTF-8.
func firstKiB(b []byte) string {
	if len(b) > LogLimit {
		b = b[:LogLimit]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// deliver tries one delivery and records the try, the delivery's new
// state and the endpoint's, in one transaction.
func (d *Deliverer) deliver(ctx context.Context, ep store.WebhookEndpoint, dl store.WebhookDelivery) error {
	now := d.Now().UTC()
	r := Send(ctx, d.Client, ep, MessageID(dl.EventID), now, []byte(dl.Body))
	if ctx.Err() != nil {
		if r.Status == 0 {
			return nil // stopping before an answer: the delivery stays due and is tried again
		}
		// Stopping after the endpoint answered: what it answered is
		// recorded all the same, or the next leader would send a
		// delivery the endpoint acknowledged again.
		ctx = context.WithoutCancel(ctx)
	}
	at := d.Now().UTC()
	a := store.WebhookAttempt{DeliveryID: dl.ID, EndpointID: ep.ID, Attempt: dl.Attempts + 1, At: at,
		Status: r.Status, Latency: r.Latency, Response: r.Response, Error: r.Err}
	if a.Error == "" && (r.Status < 200 || r.Status > 299) {
		a.Error = fmt.Sprintf("the endpoint answered %d %s", r.Status, http.StatusText(r.Status))
	}
	return d.Store.InTx(ctx, func(tx *store.Tx) error {
		cur, err := tx.WebhookByID(ctx, ep.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil // deleted meanwhile, with its deliveries
		} else if err != nil {
			return err
		}
		state, next, disable := "pending", at, ""
		switch {
		case r.Status >= 200 && r.Status <= 299:
			state = "delivered"
			if !cur.FailingSince.IsZero() {
				cur.FailingSince = time.Time{}
				cur.UpdatedAt = at
				if err := tx.SaveWebhook(ctx, cur); err != nil {
					return err
				}
			}
		case r.Status == http.StatusGone:
			state, disable = "failed", "The endpoint answered 410 Gone."
		default:
			next = at.Add(max(d.Schedule.Delay(a.Attempt), min(r.RetryAfter, d.Schedule.Max)))
			if next.Sub(dl.CreatedAt) > d.Schedule.Horizon {
				state = "failed"
			}
			if cur.FailingSince.IsZero() {
				cur.FailingSince = at
				cur.UpdatedAt = at
				if err := tx.SaveWebhook(ctx, cur); err != nil {
					return err
				}
			} else if at.Sub(cur.FailingSince) >= d.Schedule.DisableAfter {
				disable = fmt.Sprintf("Every delivery failed for %s.", d.Schedule.DisableAfter.Round(time.Second))
			}
		}
		if err := tx.RecordWebhookAttempt(ctx, a, state, next); err != nil {
			return err
		}
		if disable == "" || !cur.Enabled {
			return nil
		}
		before := cur.Enabled
		cur.Enabled, cur.DisabledReason, cur.UpdatedAt = false, disable, at
		if err := tx.SaveWebhook(ctx, cur); err != nil {
			return err
		}
		e := who.System().Entry(ActionDisabled, "webhook", cur.ID, cur.URL, map[string]any{
			"before": map[string]any{"enabled": before}, "after": map[string]any{"enabled": false}, "reason": disable,
		})
		e.At = at
		_, err = tx.AppendAudit(ctx, e)
		return err
	})
}
