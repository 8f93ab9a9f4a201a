package web

import "testing"

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                 "/",
		"/users":           "/users",
		"/chatbots?page=2": "/chatbots?page=2",
		"//evil.com":       "/",
		"/\\evil.com":      "/",
		"/\t/evil.com":     "/",
		"/\n/evil.com":     "/",
		"https://evil.com": "/",
		"evil.com":         "/",
		"/%2F/evil.com":    "/", // decodes to //evil.com: refused to be safe
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
