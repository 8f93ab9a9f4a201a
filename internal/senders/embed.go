package senders

import (
	"context"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// ActionEmbedUpdated is the audit action of a change to a livechat
// sender's embedding (allowed origins, appearance).
const ActionEmbedUpdated = "sender.embed_updated"

// Limits of the embed settings, stated in their messages.
const (
	MaxAllowedOrigins = 20
	MaxTitle          = 60
	MaxGreeting       = 280
	MaxAvatarURL      = 500
)

// Launcher positions.
const (
	PositionRight = "right"
	PositionLeft  = "left"
)

// EmbedInput changes a livechat sender's embed settings; a nil field
// keeps what the sender has (so PATCH may name only some).
type EmbedInput struct {
	AllowedOrigins *[]string
	Title          *string
	Accent         *string
	Avatar         *string
	Greeting       *string
	Position       *string
}

// SetEmbed changes which sites may embed a livechat sender's web chat and
// how it looks there (manager+). Every field is checked before anything
// is saved: a refused one changes nothing. A change is audited with what
// it was and what it became.
func (s *Service) SetEmbed(ctx context.Context, a who.Actor, id int64, in EmbedInput) (store.Sender, error) {
	return s.Update(ctx, a, id, Update{Embed: &in})
}

func (s *Service) setEmbed(ctx context.Context, tx *store.Tx, a who.Actor, before store.Sender, in EmbedInput) (store.Sender, error) {
	if before.Channel != "livechat" {
		return before, problem.New(problem.Invalid, "sender_not_livechat",
			"Only a livechat sender has a web chat to embed; %s %s is a %s sender.", before.Channel, before.Address, before.Channel)
	}
	after, err := applyEmbed(before.Embed, in)
	if err != nil || embedEqual(before.Embed, after) {
		return before, err
	}
	now := s.Now().UTC()
	if err := tx.SetSenderEmbed(ctx, before.ID, after, now); err != nil {
		return before, err
	}
	snd, err := tx.SenderByID(ctx, before.ID)
	if err != nil {
		return before, err
	}
	e := a.Entry(ActionEmbedUpdated, "sender", snd.ID, snd.Channel+":"+snd.Address, map[string]any{
		"before": embedAudit(before.Embed),
		"after":  embedAudit(snd.Embed),
	})
	e.At = now
	_, err = tx.AppendAudit(ctx, e)
	return snd, err
}

func embedAudit(e store.Embed) map[string]any {
	origins := e.AllowedOrigins
	if origins == nil {
		origins = []string{}
	}
	return map[string]any{"allowed_origins": origins, "title": e.Title, "accent": e.Accent,
		"avatar": e.Avatar, "greeting": e.Greeting, "position": e.Position}
}

func embedEqual(a, b store.Embed) bool {
	return slices.Equal(a.AllowedOrigins, b.AllowedOrigins) && a.Title == b.Title && a.Accent == b.Accent &&
		a.Avatar == b.Avatar && a.Greeting == b.Greeting && a.Position == b.Position
}

// applyEmbed checks each given field and puts it in place of e's.
func applyEmbed(e store.Embed, in EmbedInput) (store.Embed, error) {
	var err error
	if in.AllowedOrigins != nil {
		if e.AllowedOrigins, err = NormalOrigins(*in.AllowedOrigins); err != nil {
			return e, err
		}
	}
	if in.Title != nil {
		if e.Title, err = line("title", "The title", *in.Title, MaxTitle); err != nil {
			return e, err
		}
	}
	if in.Accent != nil {
		if e.Accent, err = NormalAccent(*in.Accent); err != nil {
			return e, err
		}
	}
	if in.Avatar != nil {
		if e.Avatar, err = NormalAvatar(*in.Avatar); err != nil {
			return e, err
		}
	}
	if in.Greeting != nil {
		if e.Greeting, err = line("greeting", "The greeting", *in.Greeting, MaxGreeting); err != nil {
			return e, err
		}
	}
	if in.Position != nil {
		switch p := strings.ToLower(strings.TrimSpace(*in.Position)); p {
		case "", PositionRight:
			e.Position = "" // the default
		case PositionLeft:
			e.Position = p
		default:
			return e, problem.Field("position", "Choose where the launcher sits: left or right.")
		}
	}
	return e, nil
}

// line is a one-line text of at most max characters, trimmed.
func line(field, what, v string, max int) (string, error) {
	v = strings.TrimSpace(v)
	if !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return "", problem.Field(field, "%s is one line of text, without control characters.", what)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return "", problem.Field(field, "%s has %d characters; use at most %d.", what, n, max)
	}
	return v, nil
}

var accentRe = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// NormalAccent checks an accent colour, #rrggbb, and returns it in lower
// case; "" is the default.
func NormalAccent(v string) (string, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" || accentRe.MatchString(v) {
		return v, nil
	}
	return "", problem.Field("accent", "An accent colour is # and six hexadecimal digits, such as #0b5fff.")
}

// NormalAvatar checks an avatar address: an https URL (at most
// MaxAvatarURL characters) or "" for none. The chat page's img-src then
// allows exactly that address, so it must be one a Content-Security-Policy
// can name: no spaces, quotes, commas or semicolons, no user name or
// password, no #fragment.
func NormalAvatar(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	bad := problem.Field("avatar", "An avatar is the https address of an image, such as https://shop.example/avatar.png, at most %d characters; or leave it empty for none.", MaxAvatarURL)
	if len(v) > MaxAvatarURL || strings.ContainsAny(v, " ;,'\"*\\#") || strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return "", bad
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "https" || u.User != nil || u.Opaque != "" || !validHost(u.Hostname(), false) || !validPort(u.Port()) {
		return "", bad
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String(), nil
}

// NormalOrigins checks the origins allowed to embed a web chat and
// returns them in one form, without repeats: each is a scheme (https, or
// http), a host and an optional port, such as https://shop.example or
// https://*.example.org:8443 — the host may start with one "*." for any
// subdomain. None means no site may embed the chat.
func NormalOrigins(list []string) ([]string, error) {
	var out []string
	for _, o := range list {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		n, err := NormalOrigin(o)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	if len(out) > MaxAllowedOrigins {
		return nil, problem.Field("allowed_origins", "%d origins are allowed to embed the chat; name at most %d (a *. wildcard covers a site's subdomains).", len(out), MaxAllowedOrigins)
	}
	return out, nil
}

// NormalOrigin checks one allowed origin (see NormalOrigins).
func NormalOrigin(o string) (string, error) {
	bad := func(why string) error {
		if utf8.RuneCountInString(o) > 80 {
			o = string([]rune(o)[:80]) + "…"
		}
		return problem.Field("allowed_origins", "%q is not an origin: %s An origin is a scheme, a host and an optional port, such as https://shop.example or https://*.example.org.", o, why)
	}
	if len(o) > 300 {
		return "", bad("it is too long.")
	}
	scheme, rest, ok := strings.Cut(strings.ToLower(o), "://")
	if !ok {
		return "", bad("it has no scheme (https://).")
	}
	if scheme != "https" && scheme != "http" {
		return "", bad("the scheme must be https (or http).")
	}
	rest = strings.TrimSuffix(rest, "/")
	if strings.ContainsAny(rest, "/?#@") {
		return "", bad("it has a path, a query or a user name; name only the site.")
	}
	host, port := rest, ""
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.HasSuffix(rest, "]") {
		host, port = rest[:i], rest[i+1:]
		if !validPort(port) || port == "" {
			return "", bad("the port must be a number from 1 to 65535.")
		}
	}
	wild := strings.HasPrefix(host, "*.")
	if wild {
		host = host[2:]
	}
	if !validHost(host, wild) {
		if host == "*" || strings.Contains(host, "*") {
			return "", bad("a * may only stand for the first part of a host name (*.example.org), once.")
		}
		return "", bad("the host is not a valid host name.")
	}
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	out := scheme + "://"
	if wild {
		out += "*."
	}
	out += host
	if port != "" {
		out += ":" + port
	}
	return out, nil
}

// validHost: a DNS name (letters, digits, hyphens; dot-separated labels),
// an IPv4 address or a bracketed IPv6 one. Under a wildcard, a name of at
// least two labels (*.example.org, not *.org) and no address.
func validHost(h string, wild bool) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		ip := net.ParseIP(h[1 : len(h)-1])
		return !wild && ip != nil && ip.To4() == nil
	}
	if net.ParseIP(h) != nil {
		return !wild && strings.Count(h, ".") == 3
	}
	labels := strings.Split(h, ".")
	if wild && len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

func validPort(p string) bool {
	if p == "" {
		return true
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535 && p[0] != '0'
}
