package web_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/senders"
	"github.com/answers-console/answers/web"
)

// A frame whose browser keeps no cookie names its visitor to the stream
// in the visitor parameter (EventSource sends no header): the same signed
// value as X-Chat-Visitor, refused when the server did not sign it, never
// above a cookie, and never written to the request log.
func TestChatEventsVisitorParameter(t *testing.T) {
	app, _ := newServer(t)
	var logs lockedBuffer
	app.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv := httptest.NewServer(app.Web(nil, web.Options{}))
	t.Cleanup(srv.Close)
	origins := []string{"https://shop.example"}
	embedChat(t, app, "shop", senders.EmbedInput{AllowedOrigins: &origins})

	first := newClient(t, srv)
	res := first.postRaw("/chat/shop?embed=1", url.Values{"text": {"hi"}}, "Sec-Fetch-Site", "same-origin", "HX-Request", "true")
	token := res.Header.Get("X-Chat-Visitor")
	if res.Status != http.StatusOK || token == "" {
		t.Fatalf("first message: status %d, X-Chat-Visitor %q", res.Status, token)
	}
	param := func(v string) string { return "visitor=" + url.QueryEscape(v) }

	// The frame has no cookie: without the parameter there is nobody to
	// stream to; with it, the visitor's conversation goes on live.
	frame := newClient(t, srv)
	if s := openEvents(frame, "shop"); s.res.StatusCode != http.StatusNoContent {
		t.Fatalf("no cookie, no parameter: %d", s.res.StatusCode)
	}
	s := openEvents(frame, "shop?"+param(token)+"&after=0")
	if s.res.StatusCode != http.StatusOK {
		t.Fatalf("with the visitor parameter: %d", s.res.StatusCode)
	}
	for _, want := range []string{"hi", "Hello!", "What is your name?"} {
		if m := s.message(2 * time.Second); m.Text != want {
			t.Fatalf("stream: %q, want %q", m.Text, want)
		}
	}
	frame.postRaw("/chat/shop?embed=1", url.Values{"text": {"Ada"}}, "Sec-Fetch-Site", "same-origin", "HX-Request", "true", "X-Chat-Visitor", token)
	if in, out := s.message(2*time.Second), s.message(2*time.Second); in.Text != "Ada" || out.Text != "Bye Ada." {
		t.Errorf("live in the frame: %q then %q", in.Text, out.Text)
	}

	// Made-up or altered values are nobody: 204, nothing streamed.
	for _, forged := range []string{"web-aaaaaaaaaaaaaaaa.bm90IHNpZ25lZA", token[:len(token)-2] + "xx", strings.SplitN(token, ".", 2)[0], "+15550100"} {
		if s := openEvents(newClient(t, srv), "shop?"+param(forged)+"&after=0"); s.res.StatusCode != http.StatusNoContent {
			t.Errorf("visitor=%q: status %d, want 204", forged, s.res.StatusCode)
		}
	}

	// A cookie wins over the parameter: another visitor's value in the
	// URL shows the cookie's own conversation.
	other := newClient(t, srv)
	otherToken := other.postRaw("/chat/shop?embed=1", url.Values{"text": {"hello"}}, "Sec-Fetch-Site", "same-origin", "HX-Request", "true").Header.Get("X-Chat-Visitor")
	if otherToken == "" || otherToken == token {
		t.Fatalf("second visitor's id %q", otherToken)
	}
	mine := openEvents(first, "shop?"+param(otherToken)+"&after=0")
	if m := mine.message(2 * time.Second); m.Text != "hi" {
		t.Errorf("with a cookie and another visitor's parameter: %q, want the cookie's conversation", m.Text)
	}

	// The request log names the path, never the signed value.
	first.get("/healthz") // one connection answers in turn: the lines before are written
	out := logs.String()
	if !strings.Contains(out, "path=/chat/shop/events") {
		t.Fatalf("no request line for the stream:\n%s", out)
	}
	for _, v := range []string{token, otherToken} {
		_, sig, _ := strings.Cut(v, ".")
		if strings.Contains(out, sig) || strings.Contains(out, url.QueryEscape(v)) {
			t.Errorf("the log holds a signed visitor id:\n%s", out)
		}
	}
}

// The answer to a new visitor's first message names its last message
// (X-Chat-Seq); a stream opened after it with ?after= resumes from there
// even when it dropped before its first event, where a stream without it
// would start from the moment it reconnects.
func TestChatEventsAfterTheFirstAnswer(t *testing.T) {
	app, srv := newServer(t)
	liveChat(t, app, "first")
	c := newClient(t, srv)
	res := c.postRaw("/chat/first", url.Values{"text": {"hi"}}, "Sec-Fetch-Site", "same-origin", "HX-Request", "true")
	seq, err := strconv.ParseInt(res.Header.Get("X-Chat-Seq"), 10, 64)
	if res.Status != http.StatusOK || err != nil {
		t.Fatalf("first answer: status %d, X-Chat-Seq %q", res.Status, res.Header.Get("X-Chat-Seq"))
	}
	all := openEvents(c, "first?after=0")
	var last chatMessage
	for range 3 { // hi, Hello!, What is your name?
		last = all.message(2 * time.Second)
	}
	if last.Seq != seq || last.Text != "What is your name?" {
		t.Errorf("X-Chat-Seq %d, the first answer's last message %+v", seq, last)
	}
	all.close()

	// The stream the page opens after the answer drops before any event;
	// a message comes meanwhile; the reconnection (same URL, no
	// Last-Event-ID) gets it.
	resume := "first?after=" + strconv.FormatInt(seq, 10)
	dropped := openEvents(c, resume)
	dropped.quiet(100 * time.Millisecond)
	dropped.close()
	if res := c.postRaw("/chat/first", url.Values{"text": {"Ada"}}, "Sec-Fetch-Site", "same-origin", "HX-Request", "true"); res.Header.Get("X-Chat-Seq") != "" {
		t.Errorf("a returning visitor's answer names X-Chat-Seq %q", res.Header.Get("X-Chat-Seq"))
	}
	again := openEvents(c, resume)
	if in, out := again.message(2*time.Second), again.message(2*time.Second); in.Text != "Ada" || out.Text != "Bye Ada." {
		t.Errorf("after the drop: %q then %q", in.Text, out.Text)
	}

	// A post without htmx is answered with a redirect: no header.
	if res := newClient(t, srv).postRaw("/chat/first", url.Values{"text": {"hi"}}, "Sec-Fetch-Site", "same-origin"); res.Header.Get("X-Chat-Seq") != "" {
		t.Errorf("a plain post names X-Chat-Seq")
	}
}

// /metrics counts this replica's open chat event streams.
func TestChatEventsGauge(t *testing.T) {
	app, srv := newServer(t)
	liveChat(t, app, "gauge")
	c := newClient(t, srv)
	chatPost(c, "gauge", "hi")
	gauge := func() string {
		rec := httptest.NewRecorder()
		app.Server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		for _, line := range strings.Split(rec.Body.String(), "\n") {
			if v, ok := strings.CutPrefix(line, "answers_chat_streams_open "); ok {
				return v
			}
		}
		t.Fatalf("no answers_chat_streams_open in /metrics:\n%s", excerpt(rec.Body.String()))
		return ""
	}
	if v := gauge(); v != "0" {
		t.Errorf("no stream open: %s", v)
	}
	// A stream answered 200 is subscribed already.
	a, b := openEvents(c, "gauge"), openEvents(c, "gauge")
	if a.res.StatusCode != http.StatusOK || b.res.StatusCode != http.StatusOK {
		t.Fatalf("streams: %d %d", a.res.StatusCode, b.res.StatusCode)
	}
	if v := gauge(); v != "2" {
		t.Errorf("two streams open: %s", v)
	}
	a.close()
	deadline := time.Now().Add(2 * time.Second)
	for gauge() != "1" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if v := gauge(); v != "1" {
		t.Errorf("one stream closed: %s", v)
	}
}
