// Package sso signs people in with the organisation's OpenID provider
// (SPEC §12): the authorization code flow with PKCE (S256), state and
// nonce, the ID token checked by github.com/coreos/go-oidc (signature,
// issuer, audience, expiry), claims from the ID token and userinfo, and
// roles from the claims by rules (rules.go). The flow between the redirect
// and the callback lives in the database, so any replica completes a
// sign-in another started; who the person becomes is decided by the
// accounts service (accounts.SignInSSO).
package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
)

// FlowLifetime is how long a person has at the provider to sign in.
const FlowLifetime = 10 * time.Minute

// Config is the console's registration at the provider.
type Config struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is the console's callback, <console>/auth/oidc/callback,
	// as registered at the provider.
	RedirectURL string
	// PostLogoutURL is where the provider sends the browser after
	// signing out there (default: the redirect URL's /login, which must be
	// registered at the provider as a post-logout redirect URI).
	PostLogoutURL string
	// Name is the provider's name on the sign-in button and the Users
	// page ("Sign in with <Name>").
	Name string
	// Scopes requested besides openid (default: profile, email).
	Scopes []string
	Rules  Rules
	// HTTPClient talks to the provider (nil: http.DefaultClient).
	HTTPClient *http.Client
}

// Provider is the console's side of one OpenID provider.
type Provider struct {
	cfg      Config
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	provider *oidc.Provider
	endpoint string // RP-initiated logout (end_session_endpoint), if any
	store    *store.Store
	accounts *accounts.Service
	now      func() time.Time
}

// New discovers the provider (its issuer must be exactly cfg.Issuer).
func New(ctx context.Context, cfg Config, st *store.Store, acc *accounts.Service) (*Provider, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("an OpenID provider needs an issuer, a client id and a redirect URL")
	}
	if len(cfg.Rules) == 0 {
		return nil, errors.New("an OpenID provider needs role rules (--oidc-roles)")
	}
	if cfg.Name == "" {
		cfg.Name = "your organisation's account"
	}
	if cfg.PostLogoutURL == "" {
		cfg.PostLogoutURL = strings.TrimSuffix(cfg.RedirectURL, "/auth/oidc/callback") + "/login"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	ctx = oidc.ClientContext(ctx, cfg.HTTPClient)
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("OpenID provider %s: %w", cfg.Issuer, err)
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = p.Claims(&meta) // optional metadata: none means no RP-initiated logout
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = []string{"profile", "email"}
	}
	return &Provider{
		cfg: cfg,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: p.Endpoint(),
			RedirectURL: cfg.RedirectURL, Scopes: append([]string{oidc.ScopeOpenID}, scopes...)},
		verifier: p.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		provider: p,
		endpoint: meta.EndSession,
		store:    st,
		accounts: acc,
		now:      time.Now,
	}, nil
}

// Name is the provider's name as the console shows it.
func (p *Provider) Name() string { return p.cfg.Name }

// Begin starts a sign-in: it stores the flow and returns the provider's
// URL to send the browser to, and the value of the cookie that binds the
// flow to this browser (the callback must carry it, so nobody can hand
// someone a callback link that signs them in as somebody else).
func (p *Provider) Begin(ctx context.Context, next string) (authURL, browser string, err error) {
	state, nonce, browser := random(), random(), random()
	verifier := oauth2.GenerateVerifier()
	now := p.now().UTC()
	err = p.store.SaveOIDCFlow(ctx, store.OIDCFlow{StateHash: hash(state), BrowserHash: hash(browser), Nonce: nonce,
		Verifier: verifier, Next: next, ExpiresAt: now.Add(FlowLifetime)}, now)
	if err != nil {
		return "", "", err
	}
	return p.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), browser, nil
}

// Callback is what the provider sent back to the console.
type Callback struct {
	State, Code string
	// Error and ErrorDescription are the provider's refusal, if any.
	Error, ErrorDescription string
	// Browser is the flow cookie's value.
	Browser string
	IP      string
}

// Refusal codes of Finish.
const (
	CodeStateInvalid = "sso_state_invalid"
	CodeProviderErr  = "sso_provider_error"
	CodeTokenInvalid = "sso_token_invalid"
)

// Result is a completed sign-in.
type Result struct {
	User store.User
	// Next is where the person was going.
	Next string
	// IDToken is the raw ID token, kept in the console session as the
	// id_token_hint of RP-initiated logout.
	IDToken string
}

// Finish completes a sign-in: the flow is taken (once), the code
// exchanged with the PKCE verifier, the ID token and its nonce checked,
// userinfo fetched, the rules applied, and the person signed in by the
// accounts service.
func (p *Provider) Finish(ctx context.Context, cb Callback) (Result, error) {
	u, next, raw, err := p.finish(ctx, cb)
	return Result{User: u, Next: next, IDToken: raw}, err
}

func (p *Provider) finish(ctx context.Context, cb Callback) (store.User, string, string, error) {
	if cb.State == "" {
		return store.User{}, "", "", errState()
	}
	flow, err := p.store.TakeOIDCFlow(ctx, hash(cb.State), p.now().UTC())
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, "", "", errState()
	} else if err != nil {
		return store.User{}, "", "", err
	}
	if subtle.ConstantTimeCompare(flow.BrowserHash, hash(cb.Browser)) != 1 {
		return store.User{}, "", "", errState()
	}
	if cb.Error != "" {
		return store.User{}, "", "", problem.New(problem.Forbidden, CodeProviderErr, "%s refused the sign-in: %s.", p.cfg.Name, clip(strings.TrimSpace(cb.Error+" "+cb.ErrorDescription)))
	}
	ctx = oidc.ClientContext(ctx, p.cfg.HTTPClient)
	tok, err := p.oauth.Exchange(ctx, cb.Code, oauth2.VerifierOption(flow.Verifier))
	if err != nil {
		return store.User{}, "", "", problem.New(problem.Forbidden, CodeProviderErr, "%s did not accept the sign-in code: %s. Start again.", p.cfg.Name, clip(oauthReason(err)))
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return store.User{}, "", "", problem.New(problem.Forbidden, CodeTokenInvalid, "%s sent no ID token.", p.cfg.Name)
	}
	idt, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		return store.User{}, "", "", problem.New(problem.Forbidden, CodeTokenInvalid, "The ID token from %s is not valid: %s.", p.cfg.Name, clip(err.Error()))
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(flow.Nonce)) != 1 {
		return store.User{}, "", "", problem.New(problem.Forbidden, CodeTokenInvalid, "The ID token from %s is not for this sign-in (its nonce differs). Start again.", p.cfg.Name)
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return store.User{}, "", "", problem.New(problem.Forbidden, CodeTokenInvalid, "The ID token from %s has unreadable claims.", p.cfg.Name)
	}
	if p.provider.UserInfoEndpoint() != "" {
		ui, err := p.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return store.User{}, "", "", problem.New(problem.Forbidden, CodeProviderErr, "%s did not answer the userinfo request: %s.", p.cfg.Name, clip(err.Error()))
		}
		if ui.Subject != idt.Subject {
			return store.User{}, "", "", problem.New(problem.Forbidden, CodeTokenInvalid, "%s's userinfo is about someone else than the ID token.", p.cfg.Name)
		}
		extra := map[string]any{}
		if err := ui.Claims(&extra); err == nil {
			// The ID token's claims are signed: userinfo only adds.
			for k, v := range extra {
				if _, ok := claims[k]; !ok {
					claims[k] = v
				}
			}
		}
	}
	m := p.cfg.Rules.Resolve(claims)
	email, _ := claims["email"].(string)
	name, _ := claims["name"].(string)
	u, err := p.accounts.SignInSSO(ctx, accounts.SSOSignIn{Issuer: idt.Issuer, Subject: idt.Subject, Provider: p.cfg.Name,
		Email: email, EmailVerified: verified(claims["email_verified"]), Name: name, Role: m.Role, Seen: m.Seen, Overage: m.Overage, IP: cb.IP})
	return u, flow.Next, raw, err
}

// verified reads the email_verified claim: true, or "true" from the
// providers that send it as a string.
func verified(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

// EndSessionURL is where to send the browser at sign-out so that the
// provider ends its session too (RP-initiated logout), then sends it back
// to the console's sign-in page; "" when the provider does not support it.
func (p *Provider) EndSessionURL(idToken string) string {
	if p.endpoint == "" || idToken == "" {
		return ""
	}
	u, err := url.Parse(p.endpoint)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("id_token_hint", idToken)
	q.Set("client_id", p.cfg.ClientID)
	q.Set("post_logout_redirect_uri", p.cfg.PostLogoutURL)
	u.RawQuery = q.Encode()
	return u.String()
}

// LogOut applies a back-channel logout token: signed by the provider, for
// this client, with the back-channel logout event; it ends every console
// session of the person it names. The console keeps no provider session
// ids, so a token naming only a session (sid, no sub) is refused.
func (p *Provider) LogOut(ctx context.Context, raw, ip string) error {
	ctx = oidc.ClientContext(ctx, p.cfg.HTTPClient)
	lt, err := p.verifier.VerifyLogout(ctx, raw)
	if err != nil {
		return problem.New(problem.Invalid, CodeTokenInvalid, "The logout token is not valid: %s.", clip(err.Error()))
	}
	if lt.Subject == "" {
		return problem.New(problem.Invalid, CodeTokenInvalid, "The logout token names no subject (sub); this console ends sessions by subject.")
	}
	return p.accounts.EndSSOSessions(ctx, lt.Issuer, lt.Subject, p.cfg.Name, ip)
}

func errState() error {
	return problem.New(problem.Forbidden, CodeStateInvalid, "This sign-in link is not valid: it expired, was used already, or was started in another browser. Start again from the sign-in page.")
}

func oauthReason(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode != "" {
		return strings.TrimSpace(re.ErrorCode + " " + re.ErrorDescription)
	}
	return err.Error()
}

// clip keeps what the provider said to a readable length.
func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

func random() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
