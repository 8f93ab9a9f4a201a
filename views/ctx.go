// Package views holds the console's templ components: one file per page
// or resource, and the layout every page shares.
package views

import (
	"context"
	"net/url"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
)

// Page is what every component may need about the request: the signed-in
// user (zero when anonymous), the CSRF token (masked afresh for each
// response, so it is the same in every form of one page but never in two
// pages), a flash message, the current path and how to name static
// assets. Handlers put it in the context once.
type Page struct {
	User  store.User
	CSRF  string
	Flash Flash
	// Waiting is how many conversations wait for a person, for the
	// navigation's count (only for those who work conversations).
	Waiting int
	Path    string
	Asset   func(name string) string
}

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	Kind string // "ok" or "error"
	Text string
}

type pageKey struct{}

// WithPage stores p in ctx.
func WithPage(ctx context.Context, p Page) context.Context {
	return context.WithValue(ctx, pageKey{}, p)
}

// PageOf returns the page data stored in ctx.
func PageOf(ctx context.Context) Page {
	p, _ := ctx.Value(pageKey{}).(Page)
	if p.Asset == nil {
		p.Asset = func(name string) string { return "/static/" + name }
	}
	return p
}

// Can reports whether the signed-in user holds permission perm.
func Can(ctx context.Context, perm rbac.Permission) bool {
	u := PageOf(ctx).User
	return u.ID != 0 && rbac.Can(u.Role, perm)
}

// CSRFHeaders is the data-hx-headers value that makes htmx send the token.
func CSRFHeaders(ctx context.Context) string {
	return `{"X-CSRF-Token": "` + PageOf(ctx).CSRF + `"}`
}

// ChatURL is the address of a livechat sender's web chat; the sender's
// address is escaped, since it may hold any character but a space.
func ChatURL(address string) string {
	return "/chat/" + url.PathEscape(address)
}
