package web

import (
	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/ratelimit"
)

// Codes of the web chat's own limits (the visitor's page words them).
const (
	codeChatNewLimited     = "chat_new_limited"
	codeChatNetworkLimited = "chat_network_limited"
	codeChatVisitorLimited = "chat_visitor_limited"
)

// chatLimits keep one anonymous web-chat visitor from flooding a chat or
// spending its sender's budget: each visitor, each client network (an
// IPv4 address, an IPv6 /64) and each network's new conversations have a
// budget of their own, checked before the message reaches the sender's
// limit. A flood is then refused as the flooder's, and genuine visitors
// keep the sender's budget. In memory, per process, in bounded maps: a
// replica's share is the same.
type chatLimits struct {
	visitor  *ratelimit.Limiter // messages per visitor
	network  *ratelimit.Limiter // messages per client network
	newChats *ratelimit.Limiter // new visitors (cookie-less posts) per network
}

// Default web-chat limits: a person types about a message a second; a
// household or an office behind one address holds several people; a real
// network starts a few conversations a minute.
func defaultChatLimits() chatLimits {
	return chatLimits{
		visitor:  ratelimit.New(1, 5, 50_000),
		network:  ratelimit.New(5, 30, 50_000),
		newChats: ratelimit.New(10.0/60, 10, 50_000),
	}
}

// allow takes one message from a visitor (newVisitor when it came without
// a chat cookie) at ip, or answers 429 with how long to wait.
func (l chatLimits) allow(visitor string, newVisitor bool, ip string) error {
	network := ratelimit.StringKey(auth.ClientKey(ip))
	if newVisitor {
		if ok, wait := l.newChats.Allow(network); !ok {
			return &problem.Error{Kind: problem.TooMany, Code: codeChatNewLimited, RetryAfter: wait,
				Message: "Too many new conversations from your network. Please wait a minute."}
		}
	}
	if ok, wait := l.network.Allow(network); !ok {
		return &problem.Error{Kind: problem.TooMany, Code: codeChatNetworkLimited, RetryAfter: wait,
			Message: "Too many messages from your network. Please wait a moment."}
	}
	if newVisitor {
		return nil // a new visitor has no messages yet to limit
	}
	if ok, wait := l.visitor.Allow(ratelimit.StringKey(visitor)); !ok {
		return &problem.Error{Kind: problem.TooMany, Code: codeChatVisitorLimited, RetryAfter: wait,
			Message: "You are sending messages very fast. Please wait a moment."}
	}
	return nil
}
