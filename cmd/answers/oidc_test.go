package main

import (
	"bytes"
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
