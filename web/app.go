package web

import (
	"github.com/answers-console/answers/internal/sso"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/answers-console/answers/internal/app"
)

// Options are the web server's settings from the command line (see Config
// for each).
type Options struct {
	SecureCookies  bool
	TrustedProxies []netip.Prefix
	MetricsToken   string
	SSO            *sso.Provider
	// LiveHeartbeat is how often an idle chat event stream gets a
	// comment; zero means every 25 seconds (tests shorten it).
	LiveHeartbeat time.Duration
}

// ForApp is the web server over a's services: what the binary serves and
// what the tests drive. With a registry, the routing and lifecycle metrics
// are registered on it too.
func ForApp(a *app.App, reg *prometheus.Registry, o Options) *Server {
	if reg != nil {
		a.Instrument(reg)
	}
	// Only the web chat's visitors have streams to wake.
	a.Live.Watched = webChatVisitor
	return New(Config{
		Store: a.Store, Accounts: a.Accounts, Senders: a.Senders, Chatbots: a.Chatbots,
		Routing: a.Routing, Lifecycle: a.Lifecycle, Analytics: a.Analytics, Webhooks: a.Webhooks, Logger: a.Log, Registry: reg,
		Handover:      a.Handover,
		SecureCookies: o.SecureCookies, TrustedProxies: o.TrustedProxies, MetricsToken: o.MetricsToken, SSO: o.SSO,
		Live: a.Live, LiveHeartbeat: o.LiveHeartbeat,
	})
}
