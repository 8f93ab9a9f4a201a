package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/sso"
	"github.com/answers-console/answers/internal/store"
)

// oidcFlags are serve's flags for signing in with an OpenID provider.
type oidcFlags struct {
	issuer, clientID, secret, roles, name, scopes, redirect *string
}

func addOIDCFlags(fs *flag.FlagSet) oidcFlags {
	return oidcFlags{
		issuer:   fs.String("oidc-issuer", env("ANSWERS_OIDC_ISSUER", ""), "OpenID provider's issuer URL: offers \"Sign in with <provider>\" (env ANSWERS_OIDC_ISSUER)"),
		clientID: fs.String("oidc-client-id", env("ANSWERS_OIDC_CLIENT_ID", ""), "the console's client id at the provider (env ANSWERS_OIDC_CLIENT_ID)"),
		// No default from the environment here: flag's usage prints
		// defaults, and the secret must never be shown.
		secret: fs.String("oidc-client-secret", "", "the console's client secret at the provider (better: env ANSWERS_OIDC_CLIENT_SECRET, which no process list shows)"),
		roles:  fs.String("oidc-roles", env("ANSWERS_OIDC_ROLES", ""), "claim → role rules, highest wins: 'groups: answers-admins=admin, support-leads=manager; realm_access.roles: bots=designer' (env ANSWERS_OIDC_ROLES)"),
		name:   fs.String("oidc-name", env("ANSWERS_OIDC_NAME", ""), "the provider's name on the sign-in button and the Users page (default: the issuer's host; env ANSWERS_OIDC_NAME)"),
		scopes: fs.String("oidc-scopes", env("ANSWERS_OIDC_SCOPES", "profile email"), "scopes to ask for besides openid, space-separated (add groups for providers that need it; env ANSWERS_OIDC_SCOPES)"),
		redirect: fs.String("oidc-redirect-url", env("ANSWERS_OIDC_REDIRECT_URL", ""),
			"the callback registered at the provider (default: <console URL>/auth/oidc/callback; set it behind a proxy; env ANSWERS_OIDC_REDIRECT_URL)"),
	}
}

// provider discovers the configured OpenID provider; nil when none is.
// base is the console's own URL.
func (f oidcFlags) provider(ctx context.Context, base string, st *store.Store, acc *accounts.Service) (*sso.Provider, error) {
	secret := *f.secret
	if secret == "" {
		secret = os.Getenv("ANSWERS_OIDC_CLIENT_SECRET")
	}
	if *f.issuer == "" && *f.clientID == "" && *f.roles == "" {
		return nil, nil
	}
	if *f.issuer == "" || *f.clientID == "" || *f.roles == "" {
		return nil, errors.New("--oidc-issuer, --oidc-client-id and --oidc-roles go together (and --oidc-client-secret for a confidential client)")
	}
	iss, err := url.Parse(*f.issuer)
	if err != nil || iss.Host == "" {
		return nil, fmt.Errorf("--oidc-issuer: %q is not a URL", *f.issuer)
	}
	rules, err := sso.ParseRules(*f.roles)
	if err != nil {
		return nil, fmt.Errorf("--oidc-roles: %w", err)
	}
	name := *f.name
	if name == "" {
		name = iss.Hostname()
	}
	redirect := *f.redirect
	if redirect == "" {
		redirect = base + "/auth/oidc/callback"
	}
	return sso.New(ctx, sso.Config{Issuer: *f.issuer, ClientID: *f.clientID, ClientSecret: secret, RedirectURL: redirect,
		Name: name, Scopes: strings.Fields(*f.scopes), Rules: rules}, st, acc)
}
