package web

import "time"

// SetChatLimitsClock makes the web chat's limits read time from now, so a
// test of a flood is about how many posts, not how fast the machine sends
// them (call it before the server serves).
func SetChatLimitsClock(s *Server, now func() time.Time) {
	s.chatLimits.visitor.Now, s.chatLimits.network.Now, s.chatLimits.newChats.Now = now, now, now
}
