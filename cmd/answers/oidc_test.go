package main

import (
	"bytes"
	"context"
	"flag"
	"strings"
	"testing"
)

// TestServeOIDCFlags: an incomplete or wrong OpenID configuration stops
// serve before it listens, with a message naming the flag; the secret
// from the environment never appears in the flags' help.
func TestServeOIDCFlags(t *testing.T) {
	t.Setenv("ANSWERS_OIDC_CLIENT_SECRET", "very-secret-value")
	for _, tt := range []struct {
		args []string
		say  string
	}{
		{[]string{"--oidc-issuer", "http://127.0.0.1:1"}, "go together"},
		{[]string{"--oidc-issuer", "http://127.0.0.1:1", "--oidc-client-id", "answers", "--oidc-roles", "groups: a=boss"}, "--oidc-roles"},
		{[]string{"--oidc-issuer", "not a url", "--oidc-client-id", "answers", "--oidc-roles", "groups: a=admin"}, "--oidc-issuer"},
	} {
		code, _, err := cli(t, "", append([]string{"serve", "--addr", "127.0.0.1:0", "--db", tempDB(t)}, tt.args...)...)
		if code == 0 || err == nil || !strings.Contains(err.Error(), tt.say) {
			t.Errorf("serve %v: exit %d, %v; want an error about %s", tt.args, code, err, tt.say)
		}
		if err != nil && strings.Contains(err.Error(), "very-secret-value") {
			t.Errorf("the error shows the client secret: %v", err)
		}
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var help bytes.Buffer
	fs.SetOutput(&help)
	addOIDCFlags(fs)
	fs.PrintDefaults()
	if strings.Contains(help.String(), "very-secret-value") || !strings.Contains(help.String(), "oidc-client-secret") {
		t.Errorf("serve's help shows the secret, or lacks the flag:\n%s", help.String())
	}
}

// TestBreakGlass: answers user add --break-glass makes an account that
// signs in with its password when password sign-in is off; serve refuses
// --password-sign-in=false without a provider.
func TestBreakGlass(t *testing.T) {
	db := tempDB(t)
	out := mustCLI(t, "", "user", "add", "--db", db, "--email", "glass@example.com", "--name", "Glass", "--role", "admin", "--break-glass")
	_, after, _ := strings.Cut(out, "Password: ")
	pw := strings.TrimSpace(after)
	if !strings.Contains(out, "break-glass account") || pw == "" {
		t.Fatalf("user add --break-glass said %q", out)
	}
	acc := openAccounts(t, db)
	acc.PasswordSignIn = false
	if u, err := acc.SignIn(context.Background(), "glass@example.com", pw, "127.0.0.1"); err != nil || !u.BreakGlass {
		t.Errorf("break-glass sign-in with password sign-in off: %+v, %v", u, err)
	}
	code, _, err := cli(t, "", "serve", "--addr", "127.0.0.1:0", "--db", db, "--password-sign-in=false")
	if code == 0 || err == nil || !strings.Contains(err.Error(), "needs an OpenID provider") {
		t.Errorf("serve --password-sign-in=false without a provider: exit %d, %v", code, err)
	}
}
