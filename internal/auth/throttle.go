package auth

import (
	"net/netip"
	"time"
)

// Backoff is how failed sign-ins slow down a key (an account, a device, a
// client network): the first Free failures cost nothing, then each further
// one makes the key wait twice as long as the one before, from Base up to
// Max. There is no hard lock, so strangers cannot shut an account out:
// the wait stays bounded, and a client that signed in successfully before
// passes on its device key instead (see accounts.SignIn). Failures are
// forgotten after Quiet without any.
type Backoff struct {
	Free  int
	Base  time.Duration
	Max   time.Duration
	Quiet time.Duration
}

// Wait is how long a key must wait after its n-th counted attempt.
func (b Backoff) Wait(n int) time.Duration {
	if n < b.Free {
		return 0
	}
	d := b.Base
	for i := b.Free; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// ClientKey is the throttle key of a client address: the address itself
// for IPv4, its /64 network for IPv6, since one subscriber holds a whole
// /64 and could otherwise take a fresh address for every guess.
func ClientKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}
