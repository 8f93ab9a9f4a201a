package web

import (
	"net/http"
	"testing"
)

// TestClientIPTrustsOnlyNamedProxies: X-Forwarded-For is believed only
// from the proxies named by --trusted-proxies; a client in a private range
// (which --trust-proxy used to trust wholesale) cannot choose its own IP.
func TestClientIPTrustsOnlyNamedProxies(t *testing.T) {
	t.Parallel()
	proxies, err := ParseProxies("10.0.0.5, fd00:1::/64")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		trusted bool
		peer    string
		xff     string
		want    string
	}{
		{"no proxies configured", false, "10.0.0.5:1234", "203.0.113.9", "10.0.0.5"},
		{"the named proxy", true, "10.0.0.5:1234", "203.0.113.9", "203.0.113.9"},
		{"a client in 10/8", true, "10.0.0.77:1234", "198.51.100.1", "10.0.0.77"},
		{"loopback is not trusted", true, "127.0.0.1:1234", "198.51.100.1", "127.0.0.1"},
		{"a forged hop before the proxy", true, "10.0.0.5:1234", "198.51.100.1, 203.0.113.9", "203.0.113.9"},
		{"an IPv6 proxy", true, "[fd00:1::7]:1234", "2001:db8::1", "2001:db8::1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var list = proxies
			if !tt.trusted {
				list = nil
			}
			r, _ := http.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.peer
			r.Header.Set("X-Forwarded-For", tt.xff)
			if got := ipExtractor(list)(r); got != tt.want {
				t.Errorf("client IP %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := ParseProxies("10.0.0.0/8,nonsense"); err == nil {
		t.Error("a bad --trusted-proxies value was accepted")
	}
}
