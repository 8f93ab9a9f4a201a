package analytics

import "github.com/answers-console/answers/internal/store"

// The fallback-jump rule of the home page, stated there in words
// (JumpRule): over the current and the previous hour, with at least
// JumpMinInbound messages in, a fallback rate at least JumpFactor times
// that of the 24 hours before and at least JumpMinPoints higher. A chatbot
// with no traffic the day before is measured against 0.
const (
	JumpMinInbound = 20
	JumpFactor     = 2
	JumpMinPoints  = 0.10
)

// JumpRule is the rule in words, for the page.
const JumpRule = "Listed when, over this hour and the one before, with at least 20 messages in, a chatbot's fallback rate is at least twice that of the 24 hours before and at least 10 points higher."

// FallbackJump is a chatbot whose fallback rate jumped.
type FallbackJump struct {
	Recent, Base float64 // fallback rates, 0–1
	Inbound      int64   // recent inbound messages
}

// Jumped applies the rule to t.
func Jumped(t store.RecentTraffic) (FallbackJump, bool) {
	if t.RecentInbound < JumpMinInbound {
		return FallbackJump{}, false
	}
	j := FallbackJump{Recent: float64(t.RecentFallbacks) / float64(t.RecentInbound), Inbound: t.RecentInbound}
	if t.BaseInbound > 0 {
		j.Base = float64(t.BaseFallbacks) / float64(t.BaseInbound)
	}
	// The epsilon keeps "exactly 10 points" (0.2 - 0.1 in floating point) in.
	return j, j.Recent >= JumpFactor*j.Base && j.Recent-j.Base >= JumpMinPoints-1e-9
}
