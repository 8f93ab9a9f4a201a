// Package auth holds password hashing, random secrets and sign-in
// throttling. It knows nothing about HTTP or SQL.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Password length rules.
const (
	MinPasswordLen = 10
	// bcrypt reads at most 72 bytes; refuse longer ones rather than
	// silently ignoring the rest.
	MaxPasswordBytes = 72
)

// Hasher hashes and checks passwords with bcrypt. Tests use a low cost.
type Hasher struct{ Cost int }

// DefaultHasher is the production cost.
var DefaultHasher = Hasher{Cost: 12}

// CheckPasswordRules says what is wrong with a new password, or nil.
func CheckPasswordRules(pw string) error {
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return fmt.Errorf("use at least %d characters", MinPasswordLen)
	case len(pw) > MaxPasswordBytes:
		return fmt.Errorf("use at most %d bytes", MaxPasswordBytes)
	}
	return nil
}

// Hash returns the bcrypt hash of pw.
func (h Hasher) Hash(pw string) (string, error) {
	b, err := bcrypt.GenerateFromPassword([]byte(pw), h.Cost)
	return string(b), err
}

// Check reports whether pw matches hash. Every failure spends the time of
// one comparison at this cost — no account (empty hash), a password over
// the limit, a wrong one — so that a sign-in does not tell which emails
// exist.
func (h Hasher) Check(hash, pw string) bool {
	tooLong := len(pw) > MaxPasswordBytes
	if tooLong {
		// bcrypt refuses such a password at once, which would answer
		// faster than a comparison; compare its first 72 bytes instead,
		// and refuse it whatever the result.
		pw = pw[:MaxPasswordBytes]
	}
	if hash == "" {
		hash = h.dummy()
	}
	ok := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
	return ok && !tooLong && hash != h.dummy()
}

// dummyHashes memoises one fixed hash per cost, compared against when
// there is no account (a cache of constants, not state).
var dummyHashes sync.Map

func (h Hasher) dummy() string {
	if v, ok := dummyHashes.Load(h.Cost); ok {
		return v.(string)
	}
	b, err := bcrypt.GenerateFromPassword([]byte("no account has this password "+RandomToken(8)), h.Cost)
	if err != nil {
		panic(err) // only for a cost out of range, a programming error
	}
	v, _ := dummyHashes.LoadOrStore(h.Cost, string(b))
	return v.(string)
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// RandomToken returns n random bytes as lower-case base32 text.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return toLower(b32.EncodeToString(b))
}

// GeneratePassword returns a random password that passes the rules.
func GeneratePassword() string { return RandomToken(12) }

// TokenHash is the stored form of a secret token.
func TokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// SameHash compares two hashes in constant time.
func SameHash(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

// ErrBadToken is returned for a malformed token.
var ErrBadToken = errors.New("malformed token")

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
