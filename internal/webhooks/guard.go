package webhooks

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// refused are the ranges no endpoint may reach unless an allowed prefix
// (--webhook-allow) covers the address: this host, private networks, link
// local, carrier-grade NAT, multicast, unique-local IPv6 and the like.
var refused = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("::/128"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("ff00::/8"),
}

// Guard decides which addresses endpoints may be reached at.
type Guard struct {
	// Allow lists the prefixes reachable even though they are refused by
	// default (--webhook-allow).
	Allow []netip.Prefix
}

// ParseAllow reads --webhook-allow: CIDR prefixes, comma-separated.
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("--webhook-allow: %q is not a CIDR prefix such as 127.0.0.0/8", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Check refuses an address in a refused range that no allowed prefix
// covers. IPv4-mapped IPv6 addresses are judged as the IPv4 address.
func (g Guard) Check(a netip.Addr) error {
	a = a.Unmap().WithZone("")
	for _, p := range g.Allow {
		if p.Contains(a) {
			return nil
		}
	}
	if !a.IsValid() || a.IsUnspecified() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() ||
		a.IsLinkLocalMulticast() || a.IsMulticast() || a.IsInterfaceLocalMulticast() {
		return fmt.Errorf("the address %s is on a local or private network, which webhooks may not reach (an administrator can allow it with --webhook-allow)", a)
	}
	for _, p := range refused {
		if p.Contains(a) {
			return fmt.Errorf("the address %s is in %s, which webhooks may not reach (an administrator can allow it with --webhook-allow)", a, p)
		}
	}
	return nil
}

// Control is a net.Dialer Control hook: it checks the address actually
// being connected to, after name resolution, so that a name that resolves
// to an internal address (DNS rebinding included) is refused too.
func (g Guard) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook destination %q: %w", address, err)
	}
	return g.Check(ap.Addr())
}

// CheckURL checks an endpoint URL as typed: http or https, a host, no
// user info; a literal address (or localhost) is checked against the
// ranges now, a name again at every connection.
func (g Guard) CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("enter a full URL such as https://example.com/hooks")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("use an http or https URL (not %q)", u.Scheme)
	}
	if u.User != nil {
		return nil, fmt.Errorf("leave user and password out of the URL")
	}
	if len(raw) > 2000 {
		return nil, fmt.Errorf("use a URL of at most 2000 characters")
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		host = "127.0.0.1"
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if err := g.Check(a); err != nil {
			return nil, err
		}
	}
	u.Fragment = ""
	return u, nil
}
