package live_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/app"
	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/live"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/routing"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testdb"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

func greeter() *chatbot.Definition {
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{{Name: "name", Type: "text"}},
		Entry:      "start", Fallback: "start",
		Dialogs: []chatbot.Dialog{{ID: "start", Name: "Start", Elements: []chatbot.Element{
			{Type: chatbot.ElementMessage, Text: "Hello!"},
			{Type: chatbot.ElementQuestion, Text: "What is your name?", Attribute: "name"},
			{Type: chatbot.ElementClose, Text: "Bye {{name}}."},
		}}},
	}
}

// chat makes a livechat sender with a live greeter and returns it and a
// second chatbot, ready to replace the first.
func chat(t *testing.T, a *app.App) (store.Sender, store.Chatbot) {
	t.Helper()
	ctx := context.Background()
	snd, err := a.Senders.Create(ctx, who.System(), "livechat", "live")
	if err != nil {
		t.Fatal(err)
	}
	var bots []store.Chatbot
	for _, name := range []string{"First", "Second"} {
		c, err := a.Chatbots.Create(ctx, who.System(), chatbots.Settings{Name: name, Channel: "livechat", SenderID: snd.ID})
		if err != nil {
			t.Fatal(err)
		}
		if c, err = a.Chatbots.Update(ctx, who.System(), c.ID, chatbots.Edit{Version: c.Version, Apply: chatbots.ReplaceDefinition(greeter())}); err != nil {
			t.Fatal(err)
		}
		bots = append(bots, c)
	}
	if _, err := a.Lifecycle.Activate(ctx, who.System(), bots[0].ID, lifecycle.ActivateOptions{OverrideWarnings: true, Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	return snd, bots[1]
}

func route(t *testing.T, a *app.App, snd store.Sender, user, text string) {
	t.Helper()
	if _, err := a.Routing.Route(context.Background(), snd, user, text); err != nil {
		t.Fatal(err)
	}
}

// TestMessagesInOrderAndResumed: a conversation reads back in order,
// from any id on; the closed-conversation notice and a conversation's end
// are marked; another end user's messages are not in it.
func TestMessagesInOrderAndResumed(t *testing.T) {
	t.Parallel()
	a := testkit.Empty(t).App
	snd, second := chat(t, a)
	ctx := context.Background()
	route(t, a, snd, "ada", "hi")
	route(t, a, snd, "bob", "hi")
	route(t, a, snd, "ada", "Ada")
	if _, err := a.Lifecycle.Activate(ctx, who.System(), second.ID, lifecycle.ActivateOptions{OverrideWarnings: true, Reason: "test", PreviousGrace: lifecycle.GraceOf(0)}); err != nil {
		t.Fatal(err)
	}
	route(t, a, snd, "bob", "hello") // bob's first conversation was cut short

	texts := func(ms []store.LiveMessage) string {
		var b []string
		for _, m := range ms {
			s := m.Direction + ":" + m.Text
			if m.Notice {
				s += "(notice)"
			}
			if m.Ended {
				s += "(ended)"
			}
			b = append(b, s)
		}
		return strings.Join(b, "|")
	}
	all, err := a.Live.Messages(ctx, snd.ID, "ada", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := texts(all), "in:hi|out:Hello!|out:What is your name?|in:Ada|out:Bye Ada.(ended)"; got != want {
		t.Errorf("ada's conversation\n got %s\nwant %s", got, want)
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID <= all[i-1].ID {
			t.Errorf("ids out of order: %d after %d", all[i].ID, all[i-1].ID)
		}
	}
	rest, err := a.Live.Messages(ctx, snd.ID, "ada", all[2].ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := texts(rest), "in:Ada|out:Bye Ada.(ended)"; got != want {
		t.Errorf("resumed after %d: %s, want %s", all[2].ID, got, want)
	}
	page, err := a.Live.Messages(ctx, snd.ID, "ada", 0, 2)
	if err != nil || texts(page) != "in:hi|out:Hello!" {
		t.Errorf("a batch of 2: %s (%v)", texts(page), err)
	}
	bob, err := a.Live.Messages(ctx, snd.ID, "bob", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := texts(bob), "in:hi|out:Hello!|out:What is your name?|in:hello|out:"+routing.DefaultClosedNotice+"(notice)|out:Hello!|out:What is your name?"; got != want {
		t.Errorf("bob's conversations\n got %s\nwant %s", got, want)
	}
	last, err := a.Store.LastConversationMessage(ctx, snd.ID, "bob")
	if err != nil || last != bob[len(bob)-1].ID {
		t.Errorf("bob's last message %d (%v), want %d", last, err, bob[len(bob)-1].ID)
	}
	if none, err := a.Store.LastConversationMessage(ctx, snd.ID, "nobody"); err != nil || none != 0 {
		t.Errorf("a stranger's last message %d (%v)", none, err)
	}
}

// TestPublishWakesItsConversation: routing wakes the conversation's
// subscribers (after commit) and nobody else's.
func TestPublishWakesItsConversation(t *testing.T) {
	t.Parallel()
	a := testkit.Empty(t).App
	snd, _ := chat(t, a)
	ada, err := a.Live.Subscribe(snd.ID, "ada", "net")
	if err != nil {
		t.Fatal(err)
	}
	defer ada.Close()
	bob, err := a.Live.Subscribe(snd.ID, "bob", "net")
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	route(t, a, snd, "ada", "hi")
	select {
	case <-ada.Wake():
	default:
		t.Fatal("routing ada's message did not wake her stream")
	}
	select {
	case <-bob.Wake():
		t.Fatal("ada's message woke bob's stream")
	default:
	}
	msgs, err := a.Live.Messages(context.Background(), snd.ID, "ada", 0, 10)
	if err != nil || len(msgs) != 3 {
		t.Fatalf("after the wake-up: %d messages (%v), want the committed 3", len(msgs), err)
	}
}

// TestPublishOnlyWatched: with Watched set, Publish passes over end users
// no stream can follow.
func TestPublishOnlyWatched(t *testing.T) {
	t.Parallel()
	h := live.New(testkit.Empty(t).Store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.Watched = func(u string) bool { return strings.HasPrefix(u, "web-") }
	phone, err := h.Subscribe(1, "+15550100", "net")
	if err != nil {
		t.Fatal(err)
	}
	web, err := h.Subscribe(1, "web-visitor", "net")
	if err != nil {
		t.Fatal(err)
	}
	h.Publish(1, "+15550100")
	h.Publish(1, "web-visitor")
	select {
	case <-phone.Wake():
		t.Error("a publish for an end user Watched refuses woke a subscriber")
	default:
	}
	select {
	case <-web.Wake():
	default:
		t.Error("a publish for a watched end user woke nobody")
	}
}

// TestSlowSubscriberDoesNotBlock: a subscriber that never reads holds one
// pending wake-up; publishing to it never waits.
func TestSlowSubscriberDoesNotBlock(t *testing.T) {
	t.Parallel()
	h := live.New(testkit.Empty(t).Store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	slow, err := h.Subscribe(1, "slow", "net")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100_000 {
			h.Publish(1, "slow")
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("publishing to a subscriber that does not read blocked")
	}
	<-slow.Wake()
	select {
	case <-slow.Wake():
		t.Error("more than one wake-up pending: they should coalesce")
	default:
	}
}

// TestSubscribeLimits: streams per visitor, per network and per replica
// are capped, with a message that says so; closing one frees its place.
func TestSubscribeLimits(t *testing.T) {
	t.Parallel()
	h := live.New(testkit.Empty(t).Store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.Limits = live.Limits{PerVisitor: 2, PerNetwork: 3, PerReplica: 4}
	refused := func(err error, code, words string) {
		t.Helper()
		p, ok := problem.As(err)
		if !ok || p.Kind != problem.TooMany || p.Code != code || !strings.Contains(p.Message, words) || p.RetryAfter <= 0 {
			t.Errorf("got %v, want %s (%q)", err, code, words)
		}
	}
	must := func(s *live.Sub, err error) *live.Sub {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a1 := must(h.Subscribe(1, "a", "n1"))
	must(h.Subscribe(2, "a", "n1")) // the same visitor on another chat counts too
	_, err := h.Subscribe(1, "a", "n1")
	refused(err, live.CodeVisitorStreams, "open in 2 tabs")
	must(h.Subscribe(1, "b", "n1"))
	_, err = h.Subscribe(1, "c", "n1")
	refused(err, live.CodeNetworkStreams, "Your network has 3 chats open")
	must(h.Subscribe(1, "c", "n2"))
	_, err = h.Subscribe(1, "d", "n3")
	refused(err, live.CodeReplicaStreams, "too many open chats")
	a1.Close()
	a1.Close() // twice is once
	if h.Open() != 3 {
		t.Errorf("open %d after a close, want 3", h.Open())
	}
	must(h.Subscribe(1, "a", "n1"))

	h.Shutdown()
	_, err = h.Subscribe(1, "e", "n4")
	if p, ok := problem.As(err); !ok || p.Code != live.CodeClosed {
		t.Errorf("after shutdown: %v", err)
	}
}

// TestShutdownEndsStreams: Shutdown closes every subscriber's Done.
func TestShutdownEndsStreams(t *testing.T) {
	t.Parallel()
	h := live.New(testkit.Empty(t).Store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s, err := h.Subscribe(1, "a", "n")
	if err != nil {
		t.Fatal(err)
	}
	h.Shutdown()
	select {
	case <-s.Done():
	default:
		t.Fatal("Done is open after Shutdown")
	}
}

// TestWakeAcrossReplicas: on PostgreSQL a publish on one hub wakes the
// conversation's subscribers on another over the same database, and a
// hub that starts listening late wakes its subscribers for what it may
// have missed.
func TestWakeAcrossReplicas(t *testing.T) {
	if testdb.PostgresURL() == "" {
		t.Skip("needs PostgreSQL (" + testdb.EnvPostgres + ")")
	}
	t.Parallel()
	dsn := testdb.DSN(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := func() *live.Hub {
		st, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return live.New(st, log)
	}
	run := func(h *live.Hub) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			h.Run(ctx)
		}()
		t.Cleanup(func() { cancel(); <-done })
	}
	a, b := hub(), hub()
	late, err := b.Subscribe(7, "late", "n")
	if err != nil {
		t.Fatal(err)
	}
	run(a)
	a.Publish(7, "late") // before b listens: lost to b
	run(b)
	select {
	case <-late.Wake():
	case <-time.After(5 * time.Second):
		t.Fatal("a hub that began listening did not wake its subscribers")
	}

	s, err := b.Subscribe(7, "ada", "n")
	if err != nil {
		t.Fatal(err)
	}
	other, err := b.Subscribe(7, "bob", "n")
	if err != nil {
		t.Fatal(err)
	}
	drain := func(s *live.Sub) {
		for {
			select {
			case <-s.Wake():
			case <-time.After(200 * time.Millisecond):
				return
			}
		}
	}
	drain(s)
	drain(other)
	start := time.Now()
	for i := range 500 { // coalesced into few notifications
		a.Publish(int64(100+i), "x")
	}
	a.Publish(7, "ada")
	select {
	case <-s.Wake():
		t.Logf("woken across replicas in %v", time.Since(start))
	case <-time.After(time.Second):
		t.Fatal("a publish on one replica did not wake the subscriber on another within 1 s")
	}
	select {
	case <-other.Wake():
		t.Error("ada's publish woke bob's subscriber")
	case <-time.After(100 * time.Millisecond):
	}
}
