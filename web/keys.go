package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"
)

// secretName is the name of the installation's signing secret in the
// database (store.ServerSecret).
const secretName = "web-signing"

// signingKeys are the keys the console signs with, each derived from the
// installation's secret for one purpose, so that a value signed for one
// use is never accepted for another.
type signingKeys struct {
	visitor []byte // web-chat visitor ids
	csrf    []byte // CSRF tokens
}

// keyring loads the signing keys from the database once. The secret lives
// in the database, not in the process, so every replica signs and checks
// with the same keys (no sticky sessions: a visitor's next request may
// reach any of them). A failed load is tried again on the next request.
type keyring struct {
	mu   sync.Mutex
	keys *signingKeys
}

func deriveKey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("answers console: " + purpose))
	return m.Sum(nil)
}

// signingKeys returns the console's keys, reading the secret (and making
// it on a new database) the first time.
func (s *Server) signingKeys(ctx context.Context) (*signingKeys, error) {
	s.keyring.mu.Lock()
	defer s.keyring.mu.Unlock()
	if s.keyring.keys != nil {
		return s.keyring.keys, nil
	}
	secret, err := s.cfg.Store.ServerSecret(ctx, secretName)
	if err != nil {
		return nil, err
	}
	s.keyring.keys = &signingKeys{
		visitor: deriveKey(secret, "web-chat visitor id"),
		csrf:    deriveKey(secret, "csrf token"),
	}
	return s.keyring.keys, nil
}

// loadKeys reads the keys at start, so the first requests do not wait for
// them; if the database does not answer yet, the first request that needs
// them tries again.
func (s *Server) loadKeys() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.signingKeys(ctx); err != nil {
		s.log.Warn("reading the signing secret at start; will try again on the first request", "err", err)
	}
}

// mac is the HMAC-SHA256 of the parts under key, each part
// length-prefixed so that no two lists of parts sign alike.
func mac(key []byte, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(binary.BigEndian.AppendUint32(nil, uint32(len(p))))
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}
