package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/answers-console/answers/web"
)

// sse reads a Server-Sent Events stream.
type sse struct {
	t     *testing.T
	res   *http.Response
	lines chan string
	stop  context.CancelFunc
}

// sseEvent is one event, or a comment (heartbeat).
type sseEvent struct {
	ID, Event, Data, Comment string
}

// chatMessage is an event's data.
type chatMessage struct {
	Seq       int64  `json:"seq"`
	Direction string `json:"direction"`
	Text      string `json:"text"`
	Notice    bool   `json:"notice"`
	Ended     bool   `json:"ended"`
}

// openEvents opens the chat's event stream of address as client c, with
// headers. The stream is closed at the end of the test.
func openEvents(c *client, address string, headers ...string) *sse {
	c.t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	address, query, _ := strings.Cut(address, "?")
	u := c.srv.URL + "/chat/" + address + "/events"
	if query != "" {
		u += "?" + query
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	req.Header.Set("Accept", "text/event-stream")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		stop()
		c.t.Fatalf("open events: %v", err)
	}
	s := &sse{t: c.t, res: res, lines: make(chan string, 1024), stop: stop}
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
	}()
	c.t.Cleanup(s.close)
	return s
}

func (s *sse) close() {
	s.stop()
	s.res.Body.Close()
}

// next is the next event or comment, or fails the test after wait.
func (s *sse) next(wait time.Duration) sseEvent {
	s.t.Helper()
	var ev sseEvent
	deadline := time.After(wait)
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				s.t.Fatalf("the stream ended; partial event %+v", ev)
			}
			switch {
			case line == "":
				if ev != (sseEvent{}) {
					return ev
				}
			case strings.HasPrefix(line, ":"):
				return sseEvent{Comment: strings.TrimSpace(line[1:])}
			default:
				k, v, _ := strings.Cut(line, ":")
				v = strings.TrimPrefix(v, " ")
				switch k {
				case "id":
					ev.ID = v
				case "event":
					ev.Event = v
				case "data":
					ev.Data += v
				}
			}
		case <-deadline:
			s.t.Fatalf("no event within %v (partial %+v)", wait, ev)
		}
	}
}

// message is the next message event, skipping the retry field and
// heartbeats.
func (s *sse) message(wait time.Duration) chatMessage {
	s.t.Helper()
	for {
		ev := s.next(wait)
		if ev.Event != "message" {
			continue
		}
		var m chatMessage
		if err := json.Unmarshal([]byte(ev.Data), &m); err != nil {
			s.t.Fatalf("event data %q: %v", ev.Data, err)
		}
		if ev.ID != strconv.FormatInt(m.Seq, 10) {
			s.t.Errorf("event id %q, its message's seq %d", ev.ID, m.Seq)
		}
		return m
	}
}

// quiet fails the test when a message event arrives within wait.
func (s *sse) quiet(wait time.Duration) {
	s.t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				return
			}
			if strings.HasPrefix(line, "event: message") || strings.HasPrefix(line, "data:") {
				s.t.Fatalf("unexpected event line %q", line)
			}
		case <-deadline:
			return
		}
	}
}

func chatPost(c *client, address, text string) response {
	c.t.Helper()
	res := c.postRaw("/chat/"+address, url.Values{"text": {text}}, "Sec-Fetch-Site", "same-origin")
	if res.Status != http.StatusSeeOther {
		c.t.Fatalf("post %q: status %d\n%s", text, res.Status, excerpt(res.Body))
	}
	return res
}

func TestChatEventsLiveAndResume(t *testing.T) {
	app, srv := newServer(t)
	liveChat(t, app, "live")
	c := newClient(t, srv)

	// No visitor yet: nothing to stream, and EventSource is told not to
	// come back (204).
	if res := c.get("/chat/live/events"); res.Status != http.StatusNoContent {
		t.Fatalf("events without a visitor: %d", res.Status)
	}
	// An unknown chat is 404.
	if res := c.get("/chat/nowhere/events"); res.Status != http.StatusNotFound {
		t.Fatalf("events of an unknown chat: %d", res.Status)
	}

	chatPost(c, "live", "hi") // Hello! What is your name?
	s := openEvents(c, "live", "Accept-Encoding", "br, gzip")
	if s.res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", s.res.StatusCode)
	}
	if ct := s.res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Errorf("Content-Type %q", ct)
	}
	if ce := s.res.Header.Get("Content-Encoding"); ce != "" {
		t.Errorf("the stream is encoded (%s): events would wait in the encoder", ce)
	}
	if cc := s.res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	// A new stream starts now: the page already shows what came before.
	s.quiet(200 * time.Millisecond)

	chatPost(c, "live", "Ada") // Bye Ada. (the conversation ends)
	in := s.message(2 * time.Second)
	out := s.message(2 * time.Second)
	if in.Direction != "in" || in.Text != "Ada" || out.Direction != "out" || out.Text != "Bye Ada." || out.Seq <= in.Seq {
		t.Errorf("events %+v then %+v, want the visitor's Ada then the reply, in order", in, out)
	}
	if !out.Ended || in.Ended {
		t.Errorf("the conversation's last message should end it: %+v %+v", in, out)
	}

	// A browser that reconnects says where it was and gets the rest.
	all := openEvents(c, "live", "Last-Event-ID", "0")
	var seqs []int64
	var texts []string
	for range 5 {
		m := all.message(2 * time.Second)
		seqs, texts = append(seqs, m.Seq), append(texts, m.Text)
	}
	if strings.Join(texts, "|") != "hi|Hello!|What is your name?|Ada|Bye Ada." {
		t.Errorf("resumed from 0: %q", texts)
	}
	rest := openEvents(c, "live", "Last-Event-ID", strconv.FormatInt(seqs[2], 10))
	if m := rest.message(2 * time.Second); m.Seq != seqs[3] || m.Text != "Ada" {
		t.Errorf("resumed after %d: %+v, want message %d", seqs[2], m, seqs[3])
	}
	// The page names the last message it shows.
	fromPage := openEvents(c, "live?after="+strconv.FormatInt(seqs[3], 10))
	if m := fromPage.message(2 * time.Second); m.Seq != seqs[4] {
		t.Errorf("?after=%d gave %+v", seqs[3], m)
	}

	// Another visitor sees none of it.
	other := newClient(t, srv)
	chatPost(other, "live", "hello")
	os := openEvents(other, "live", "Last-Event-ID", "0")
	for _, want := range []string{"hello", "Hello!", "What is your name?"} {
		if m := os.message(2 * time.Second); m.Text != want {
			t.Errorf("other visitor got %q, want %q", m.Text, want)
		}
	}
	os.quiet(100 * time.Millisecond)

	// A made-up Last-Event-ID is refused with a message, not a 500.
	if res := c.get("/chat/live/events", "Last-Event-ID", "abc"); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Last-Event-ID must be the id of a message") {
		t.Errorf("bad Last-Event-ID: %d\n%s", res.Status, excerpt(res.Body))
	}
}

func TestChatEventsLimits(t *testing.T) {
	app, srv := newServer(t)
	liveChat(t, app, "busy")
	app.Live.Limits.PerVisitor = 2
	c := newClient(t, srv)
	chatPost(c, "busy", "hi")
	openEvents(c, "busy")
	second := openEvents(c, "busy")
	res := c.get("/chat/busy/events")
	if res.Status != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("third tab: status %d, Retry-After %q", res.Status, res.Header.Get("Retry-After"))
	}
	mustContain(t, res.Body, "You have this chat open in 2 tabs")
	// A closed tab frees its place.
	second.close()
	deadline := time.Now().Add(2 * time.Second)
	for app.Live.Open() != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s := openEvents(c, "busy"); s.res.StatusCode != http.StatusOK {
		t.Errorf("after closing a tab: %d", s.res.StatusCode)
	}

	// One network's visitors share a cap.
	app.Live.Limits.PerNetwork = 3
	other := newClient(t, srv)
	chatPost(other, "busy", "hello")
	openEvents(other, "busy")
	res = other.get("/chat/busy/events")
	if res.Status != http.StatusTooManyRequests {
		t.Fatalf("fourth stream from one network: %d", res.Status)
	}
	mustContain(t, res.Body, "Your network has 3 chats open")
}

func TestChatEventsHeartbeat(t *testing.T) {
	app := newServerHeartbeat(t, 30*time.Millisecond)
	c := newClient(t, app)
	chatPost(c, "beat", "hi")
	s := openEvents(c, "beat")
	for {
		ev := s.next(time.Second)
		if ev.Comment == "heartbeat" {
			break
		}
		if ev.Event == "message" {
			t.Fatalf("unexpected %+v", ev)
		}
	}
}

func newServerHeartbeat(t *testing.T, every time.Duration) *httptest.Server {
	t.Helper()
	app, _ := newServer(t)
	liveChat(t, app, "beat")
	srv := httptest.NewServer(app.Web(nil, web.Options{LiveHeartbeat: every}))
	t.Cleanup(srv.Close)
	return srv
}

// TestChatEventsOutliveServerTimeouts: a stream lives past the server's
// read and write timeouts (which are for ordinary requests; a read
// deadline left in place would cancel the stream's request when it
// passed).
func TestChatEventsOutliveServerTimeouts(t *testing.T) {
	app, _ := newServer(t)
	liveChat(t, app, "long")
	srv := httptest.NewUnstartedServer(app.Web(nil, web.Options{LiveHeartbeat: 50 * time.Millisecond}))
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = 300*time.Millisecond, 300*time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	c := newClient(t, srv)
	chatPost(c, "long", "hi")
	s := openEvents(c, "long")
	start := time.Now()
	for time.Since(start) < time.Second {
		s.next(time.Second)
	}
	chatPost(c, "long", "Ada")
	if m := s.message(time.Second); m.Text != "Ada" {
		t.Errorf("after the timeouts: %+v", m)
	}
}
