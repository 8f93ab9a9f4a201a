package web

import (
	"net/http"
	"time"

	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"

	"github.com/answers-console/answers/internal/store"
)

// splitStore keeps console sessions in the SQLite database, reading them
// through the reader pool and writing through the single writer, so that
// loading a session never waits behind a write.
type splitStore struct {
	read, write *sqlite3store.SQLite3Store
}

func (s splitStore) Find(token string) ([]byte, bool, error) { return s.read.Find(token) }
func (s splitStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.write.Commit(token, b, expiry)
}
func (s splitStore) Delete(token string) error { return s.write.Delete(token) }

func newSessionManager(st *store.Store, secure bool) *scs.SessionManager {
	sm := scs.New()
	sm.Store = splitStore{
		read: sqlite3store.NewWithCleanupInterval(st.R, 0),
		// The writer also removes expired sessions every ten minutes.
		write: sqlite3store.NewWithCleanupInterval(st.W, 10*time.Minute),
	}
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
