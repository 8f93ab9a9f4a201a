package web

import (
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/answers-console/answers/internal/store"
)

func newSessionManager(st *store.Store, secure bool) *scs.SessionManager {
	sm := scs.New()
	// Sessions live in the database (hashed), so every replica sees them;
	// Run sweeps the expired ones.
	sm.Store = st.Sessions()
	sm.Lifetime = 12 * time.Hour
	sm.IdleTimeout = 2 * time.Hour
	sm.Cookie.Name = "answers_session"
	if secure {
		// __Host- cookies must be Secure, Path=/ and carry no Domain, so a
		// sibling subdomain can neither set nor shadow the session cookie.
		sm.Cookie.Name = "__Host-answers_session"
	}
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = secure
	sm.Cookie.Persist = false
	return sm
}
