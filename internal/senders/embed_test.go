package senders_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/senders"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
)

func TestNormalOrigin(t *testing.T) {
	tests := []struct{ in, want string }{ // want "" when refused
		{"https://shop.example", "https://shop.example"},
		{"HTTPS://Shop.Example/", "https://shop.example"},
		{"https://*.example.org", "https://*.example.org"},
		{"https://shop.example:8443", "https://shop.example:8443"},
		{"https://shop.example:443", "https://shop.example"},
		{"http://localhost:3000", "http://localhost:3000"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443"},
		{"shop.example", ""},                 // no scheme
		{"ftp://shop.example", ""},           // not http(s)
		{"https://shop.example/path", ""},    // a path
		{"https://shop.example?x=1", ""},     // a query
		{"https://user@shop.example", ""},    // a user
		{"https://*", ""},                    // any site
		{"*", ""},                            // any site, no scheme
		{"https://*.*.example.org", ""},      // two wildcards
		{"https://shop.*.example", ""},       // not leading
		{"https://*.org", ""},                // a whole top-level domain
		{"https://*shop.example", ""},        // not a whole label
		{"https://shop.example:0", ""},       // port out of range
		{"https://shop.example:70000", ""},   // port out of range
		{"https://shop.example:", ""},        // empty port
		{"https://shop..example", ""},        // empty label
		{"https://-shop.example", ""},        // label starts with -
		{"https://shop_1.example", ""},       // _ is no host character
		{"https://shop.example 'unsafe", ""}, // CSP injection
		{"https://shop.example;script-src", ""},
		{"https://*.127.0.0.1", ""},
	}
	for _, tt := range tests {
		got, err := senders.NormalOrigin(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("NormalOrigin(%q) = %q, want a refusal", tt.in, got)
			} else if p, ok := problem.As(err); !ok || p.Field != "allowed_origins" || !strings.Contains(p.Message, "such as https://shop.example") {
				t.Errorf("NormalOrigin(%q) refused with %v, want a field message with an example", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalOrigin(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestNormalAvatarAndAccent(t *testing.T) {
	for in, want := range map[string]string{
		"":                                                "",
		"https://cdn.example/a.png":                       "https://cdn.example/a.png",
		" https://cdn.example/a.png?s=64 ":                "https://cdn.example/a.png?s=64",
		"https://cdn.example":                             "https://cdn.example/",
		"http://cdn.example/a.png":                        "-",
		"data:image/png;base64,AAAA":                      "-",
		"javascript:alert(1)":                             "-",
		"https://u:p@cdn.example/a.png":                   "-",
		"https://cdn.example/a b.png":                     "-",
		"https://cdn.example/a.png#x":                     "-",
		"https://cdn.example/a;b.png":                     "-",
		"https://cdn.example/a'.png":                      "-",
		"//cdn.example/a.png":                             "-",
		"https://cdn.example/" + strings.Repeat("a", 500): "-",
	} {
		got, err := senders.NormalAvatar(in)
		if want == "-" {
			if err == nil {
				t.Errorf("NormalAvatar(%q) = %q, want a refusal", in, got)
			}
		} else if err != nil || got != want {
			t.Errorf("NormalAvatar(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{"": "", "#0B5FFF": "#0b5fff", " #123abc ": "#123abc", "blue": "-", "#fff": "-", "#12345g": "-", "0b5fff": "-"} {
		got, err := senders.NormalAccent(in)
		if want == "-" {
			if err == nil {
				t.Errorf("NormalAccent(%q) = %q, want a refusal", in, got)
			}
		} else if err != nil || got != want {
			t.Errorf("NormalAccent(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestSetEmbed(t *testing.T) {
	app := testkit.New(t)
	ctx := context.Background()
	chat, err := app.Senders.Create(ctx, as(app, rbac.Manager), "livechat", "shop")
	if err != nil {
		t.Fatal(err)
	}
	sms, err := app.Senders.Create(ctx, as(app, rbac.Manager), "sms", "+15550100")
	if err != nil {
		t.Fatal(err)
	}
	full := senders.EmbedInput{
		AllowedOrigins: ptr([]string{"https://shop.example", " https://*.Example.org ", "https://shop.example/"}),
		Title:          ptr(" Shop help "), Accent: ptr("#0B5FFF"), Avatar: ptr("https://cdn.example/a.png"),
		Greeting: ptr("Hi! Ask us anything."), Position: ptr("left"),
	}
	// A designer may not; another channel's sender has no web chat; an
	// unknown sender is not found.
	testkit.WantProblem(t, func() error { _, err := app.Senders.SetEmbed(ctx, as(app, rbac.Designer), chat.ID, full); return err }(), problem.Forbidden, "forbidden")
	p := testkit.WantProblem(t, func() error { _, err := app.Senders.SetEmbed(ctx, as(app, rbac.Manager), sms.ID, full); return err }(), problem.Invalid, "sender_not_livechat")
	if !strings.Contains(p.Message, "Only a livechat sender") {
		t.Errorf("message %q", p.Message)
	}
	testkit.WantProblem(t, func() error { _, err := app.Senders.SetEmbed(ctx, as(app, rbac.Manager), 9999, full); return err }(), problem.NotFound, "sender_not_found")

	// One bad field refuses the whole change: nothing is saved.
	for field, in := range map[string]senders.EmbedInput{
		"allowed_origins": {AllowedOrigins: ptr([]string{"https://shop.example", "https://*"}), Title: ptr("Saved?")},
		"title":           {Title: ptr(strings.Repeat("t", senders.MaxTitle+1))},
		"accent":          {Accent: ptr("red"), Title: ptr("Saved?")},
		"avatar":          {Avatar: ptr("http://cdn.example/a.png"), Title: ptr("Saved?")},
		"greeting":        {Greeting: ptr(strings.Repeat("g", senders.MaxGreeting+1))},
		"position":        {Position: ptr("top"), Title: ptr("Saved?")},
	} {
		p := testkit.WantProblem(t, func() error { _, err := app.Senders.SetEmbed(ctx, as(app, rbac.Manager), chat.ID, in); return err }(), problem.Invalid, "invalid_"+field)
		if p.Field != field {
			t.Errorf("%s: field %q", field, p.Field)
		}
	}
	many := make([]string, senders.MaxAllowedOrigins+1)
	for i := range many {
		many[i] = "https://s" + strings.Repeat("x", i+1) + ".example"
	}
	testkit.WantProblem(t, func() error {
		_, err := app.Senders.SetEmbed(ctx, as(app, rbac.Manager), chat.ID, senders.EmbedInput{AllowedOrigins: &many})
		return err
	}(), problem.Invalid, "invalid_allowed_origins")
	if got, _ := app.Store.SenderByID(ctx, chat.ID); !got.Embed.IsZero() {
		t.Fatalf("a refused change saved %+v", got.Embed)
	}

	got, err := app.Senders.SetEmbed(ctx, as(app, rbac.Manager), chat.ID, full)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Embed{AllowedOrigins: []string{"https://shop.example", "https://*.example.org"},
		Title: "Shop help", Accent: "#0b5fff", Avatar: "https://cdn.example/a.png", Greeting: "Hi! Ask us anything.", Position: "left"}
	if b, w := mustJSON(t, got.Embed), mustJSON(t, want); b != w {
		t.Fatalf("saved %s, want %s", b, w)
	}
	if again, _ := app.Store.SenderByID(ctx, chat.ID); mustJSON(t, again.Embed) != mustJSON(t, want) {
		t.Fatalf("read back %+v", again.Embed)
	}
	// A partial change keeps the rest; the same values again write nothing.
	got, err = app.Senders.SetEmbed(ctx, as(app, rbac.Admin), chat.ID, senders.EmbedInput{AllowedOrigins: ptr([]string{}), Position: ptr("right")})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Embed.AllowedOrigins) != 0 || got.Embed.Position != "" || got.Embed.Title != "Shop help" {
		t.Errorf("after a partial change: %+v", got.Embed)
	}
	if _, err := app.Senders.SetEmbed(ctx, as(app, rbac.Admin), chat.ID, senders.EmbedInput{Title: ptr("Shop help")}); err != nil {
		t.Fatal(err)
	}
	wantAudit := []string{"sender.embed_updated livechat:shop", "sender.embed_updated livechat:shop", "sender.created sms:+15550100", "sender.created livechat:shop"}
	if got := auditActions(t, app.Store); strings.Join(got, "|") != strings.Join(wantAudit, "|") {
		t.Errorf("audit %q, want %q", got, wantAudit)
	}
	page, err := app.Store.FilterAudit(ctx, store.AuditFilter{Action: senders.ActionEmbedUpdated, Limit: 1})
	if err != nil || len(page.Entries) != 1 {
		t.Fatalf("audit: %v %d", err, len(page.Entries))
	}
	if m := mustJSON(t, page.Entries[0].Details); !strings.Contains(m, `"before"`) || !strings.Contains(m, "https://*.example.org") {
		t.Errorf("the entry does not say what changed: %s", m)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// An address and embed settings change together or not at all.
func TestUpdateIsAllOrNothing(t *testing.T) {
	app := testkit.New(t)
	ctx := context.Background()
	chat, err := app.Senders.Create(ctx, as(app, rbac.Manager), "livechat", "shop")
	if err != nil {
		t.Fatal(err)
	}
	testkit.WantProblem(t, func() error {
		_, err := app.Senders.Update(ctx, as(app, rbac.Manager), chat.ID, senders.Update{
			Address: ptr("store"), Embed: &senders.EmbedInput{AllowedOrigins: ptr([]string{"shop.example"})}})
		return err
	}(), problem.Invalid, "invalid_allowed_origins")
	if got, _ := app.Store.SenderByID(ctx, chat.ID); got.Address != "shop" || !got.Embed.IsZero() {
		t.Fatalf("a refused update saved part of itself: %+v", got)
	}
	got, err := app.Senders.Update(ctx, as(app, rbac.Manager), chat.ID, senders.Update{
		Address: ptr("store"), Embed: &senders.EmbedInput{AllowedOrigins: ptr([]string{"https://shop.example"})}})
	if err != nil || got.Address != "store" || len(got.Embed.AllowedOrigins) != 1 {
		t.Fatalf("update: %+v, %v", got, err)
	}
	want := []string{"sender.updated livechat:store", "sender.embed_updated livechat:shop", "sender.created livechat:shop"}
	if got := auditActions(t, app.Store); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("audit %q, want %q", got, want)
	}
}
