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

// Check reports whether pw matches hash. With an empty hash it still
// spends the time of a comparison.
func (h Hasher) Check(hash, pw string) bool {
	if hash == "" {
		// No such account: spend the time of a comparison at this cost,
		// so that a sign-in does not tell which emails exist.
		_, _ = bcrypt.GenerateFromPassword([]byte(pw), h.Cost)
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
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
