package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// streams measures the web chat's live streams on one replica (SPEC §10):
// cfg.Streams visitors, each with one open GET /chat/<address>/events.
//
//   - Memory per stream: the server's anonymous resident memory (RssAnon)
//     with every stream open, less what it was with none, over their
//     number: what a replica pays to hold a stream (its goroutine, its
//     connection's buffers, its subscription).
//   - Fan-out: one conversation's message goes to that visitor's streams
//     only, so "one message to all" is a message to every visitor at once:
//     cfg.InboundWorkers clients send one through the inbound API into each
//     visitor's conversation, as fast as the server takes them; the row
//     is the time from the first send until each stream has it (its
//     maximum: until the last stream has it), and the next the time from
//     each message's own send to its stream.
//
// The visitors are made by a first message through the web chat, each
// from a client network of its own (X-Forwarded-For; the benchmark's
// server trusts it as a proxy), as the chat's per-network limits demand,
// and spread over the seed's livechat senders, within their inbound rate.
func (b *run) streams(ctx context.Context, srv *Proc) {
	n := b.cfg.Streams
	if n <= 0 {
		return
	}
	name := fmt.Sprintf("%d open chat event streams: a message into each conversation, from the first send until each stream has it", n)
	var chats []Sender
	for _, s := range b.target.Traffic {
		if s.Channel == "livechat" {
			chats = append(chats, s)
		}
	}
	if len(chats) == 0 {
		b.skip(name, "the seed has no livechat sender with an active chatbot")
		return
	}
	base := b.api.Base
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	ip := func(i int) string { return fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255) }
	chatOf := func(i int) Sender { return chats[i%len(chats)] }

	// The visitors.
	cookies := make([]string, n)
	made := Run(ctx, b.cfg.InboundWorkers, n, 0, func(ctx context.Context, _, i int) error {
		for try := 0; ; try++ {
			form := url.Values{"text": {"hi"}}
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/chat/"+url.PathEscape(chatOf(i).Address), strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("X-Forwarded-For", ip(i))
			res, err := client.Do(req)
			if err != nil {
				return err
			}
			res.Body.Close()
			if res.StatusCode == http.StatusTooManyRequests && try < 20 {
				time.Sleep(100 * time.Millisecond) // the sender's inbound rate
				continue
			}
			if res.StatusCode != http.StatusSeeOther {
				return fmt.Errorf("POST /chat/%s: status %d", chatOf(i).Address, res.StatusCode)
			}
			for _, c := range res.Cookies() {
				if strings.HasSuffix(c.Name, "answers_chat") {
					cookies[i] = c.Name + "=" + c.Value
				}
			}
			if cookies[i] == "" {
				return errors.New("the web chat set no visitor cookie")
			}
			return nil
		}
	})
	if made.Errors > 0 {
		b.skip(name, fmt.Sprintf("%d of %d visitors could not be made: %v", made.Errors, n, made.FirstErr))
		return
	}

	before, err := srv.status()
	if err != nil {
		b.skip(name, "reading the server's memory: "+err.Error())
		return
	}
	// The streams: each reader notes when its visitor's "ping" arrives.
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	arrived := make([]atomic.Int64, n) // unix nanoseconds
	var open sync.WaitGroup
	var openErr atomic.Value
	var wg sync.WaitGroup
	open.Add(n)
	streamClient := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: -1}}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			once := sync.OnceFunc(open.Done)
			defer once()
			req, _ := http.NewRequestWithContext(sctx, http.MethodGet, base+"/chat/"+url.PathEscape(chatOf(i).Address)+"/events", nil)
			req.Header.Set("Cookie", cookies[i])
			req.Header.Set("X-Forwarded-For", ip(i))
			req.Header.Set("Accept", "text/event-stream")
			res, err := streamClient.Do(req)
			if err != nil {
				openErr.CompareAndSwap(nil, err)
				return
			}
			defer res.Body.Close()
			if res.StatusCode != http.StatusOK {
				openErr.CompareAndSwap(nil, fmt.Errorf("GET events: status %d", res.StatusCode))
				return
			}
			sc := bufio.NewScanner(res.Body)
			for sc.Scan() {
				line := sc.Text()
				if strings.HasPrefix(line, "retry:") {
					once() // subscribed: the server writes this first
				}
				if strings.HasPrefix(line, "data:") && strings.Contains(line, `"text":"ping"`) {
					arrived[i].Store(time.Now().UnixNano())
					return
				}
			}
		}()
	}
	open.Wait()
	if err, _ := openErr.Load().(error); err != nil {
		stop()
		wg.Wait()
		b.skip(name, "opening the streams: "+err.Error())
		return
	}
	time.Sleep(time.Second) // let the server's allocations settle
	after, err := srv.status()
	if err != nil {
		b.note("reading the server's memory: " + err.Error())
	}
	perStream := float64(after["RssAnon"]-before["RssAnon"]) / float64(n) / 1024
	b.add(Row{Name: fmt.Sprintf("server memory per open chat event stream (%d open)", n), Unit: "KiB", N: n, Median: perStream, P99: perStream,
		Note: fmt.Sprintf("RssAnon %.0f MiB with none open, %.0f MiB with %d", float64(before["RssAnon"])/(1<<20), float64(after["RssAnon"])/(1<<20), n)})

	// One message into each conversation, all at once.
	sent := make([]int64, n)
	start := time.Now()
	res := Run(ctx, b.cfg.InboundWorkers, n, 0, func(ctx context.Context, _, i int) error {
		sent[i] = time.Now().UnixNano()
		id, _, _ := strings.Cut(cookies[i][strings.IndexByte(cookies[i], '=')+1:], ".")
		return b.api.Message(ctx, chatOf(i), id, "ping")
	})
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		stop()
		<-done
	}
	var fromFirst, own []time.Duration
	missing := 0
	for i := range n {
		at := arrived[i].Load()
		if at == 0 {
			missing++
			continue
		}
		fromFirst = append(fromFirst, time.Duration(at-start.UnixNano()))
		own = append(own, time.Duration(at-sent[i]))
	}
	all := Summarize(fromFirst)
	row := Row{Name: name, Unit: "s", N: len(fromFirst), Median: all.Median.Seconds(), P99: all.P99.Seconds(), Max: all.Max.Seconds(),
		Errors: missing + res.Errors,
		Note: fmt.Sprintf("%d messages over the inbound API from %d clients in %.2f s (%.0f/s), into %d livechat senders' conversations",
			n, b.cfg.InboundWorkers, res.Elapsed.Seconds(), float64(n)/res.Elapsed.Seconds(), min(n, len(chats)))}
	if missing > 0 {
		row.Note += fmt.Sprintf("; %d streams did not get theirs within 60 s", missing)
	}
	b.add(row)
	b.add(latencyRow(fmt.Sprintf("%d open chat event streams: each message from its send until its stream has it", n), Summarize(own), Stat{}, ""))
	stop()
}
