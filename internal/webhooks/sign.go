// Package webhooks sends the console's events to the endpoints admins
// register, as Standard Webhooks (https://www.standardwebhooks.com): the
// endpoints' service, the signature, the address guard that keeps them
// off internal networks, and the deliverer.
package webhooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// secretPrefix starts every secret; the rest is base64 of the key.
const secretPrefix = "whsec_"

// NewSecret makes a random secret: whsec_ and 24 random bytes in base64.
func NewSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return secretPrefix + base64.StdEncoding.EncodeToString(b)
}

// key is the HMAC key of a secret: its base64 part, decoded.
func key(secret string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
}

// Signature is one "v1,<base64 HMAC-SHA256 of id.timestamp.body>".
func Signature(secret, id string, ts int64, body []byte) (string, error) {
	k, err := key(secret)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// SignatureHeader is the webhook-signature header: one signature per
// secret (two while a rotated-out secret still overlaps), space-separated.
func SignatureHeader(secrets []string, id string, ts int64, body []byte) (string, error) {
	var out []string
	for _, s := range secrets {
		sig, err := Signature(s, id, ts, body)
		if err != nil {
			return "", err
		}
		out = append(out, sig)
	}
	return strings.Join(out, " "), nil
}

// ErrBadSignature: no signature of the header is the secret's.
var ErrBadSignature = errors.New("no valid webhook signature")

// Verify checks a webhook-signature header against one secret, as a
// receiver does.
func Verify(secret, id string, ts int64, body []byte, header string) error {
	want, err := Signature(secret, id, ts, body)
	if err != nil {
		return err
	}
	for _, s := range strings.Fields(header) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return ErrBadSignature
}
