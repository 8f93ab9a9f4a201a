// Package senders is the service for channel senders: the addresses end
// users write to, and the inbound keys their gateways authenticate with.
package senders

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
)

// Channels are the channel kinds a sender can be on.
var Channels = []string{"sms", "whatsapp", "viber", "telegram", "messenger", "livechat"}

// ValidChannel reports whether ch is one of Channels.
func ValidChannel(ch string) bool {
	for _, c := range Channels {
		if c == ch {
			return true
		}
	}
	return false
}

// Audit actions for senders.
const (
	ActionCreated        = "sender.created"
	ActionKeyRegenerated = "sender.key_regenerated"
)

// Service manages senders.
type Service struct {
	Store *store.Store
	Now   func() time.Time
}

// New makes the service.
func New(st *store.Store) *Service { return &Service{Store: st, Now: time.Now} }

// NewKey makes a random inbound key.
func NewKey() string { return "ik_" + auth.RandomToken(24) }

// CheckAddress says what is wrong with an address for a channel, or nil.
func CheckAddress(channel, address string) error {
	if !ValidChannel(channel) {
		return problem.Field("channel", "Choose a channel: %s.", strings.Join(Channels, ", "))
	}
	if address == "" {
		return problem.Field("address", "Enter the sender's address (a phone number, a page id or a livechat key).")
	}
	if utf8.RuneCountInString(address) > 100 {
		return problem.Field("address", "Use at most 100 characters for the address.")
	}
	for _, r := range address {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return problem.Field("address", "The address cannot contain spaces.")
		}
	}
	switch channel {
	case "sms", "whatsapp", "viber":
		digits := 0
		for _, r := range address {
			switch {
			case r >= '0' && r <= '9':
				digits++
			case r == '+' || r == '-' || r == '(' || r == ')':
			default:
				return problem.Field("address", "A %s sender is a phone number, such as +15551234567.", channel)
			}
		}
		if digits < 3 {
			return problem.Field("address", "A %s sender is a phone number, such as +15551234567.", channel)
		}
	case "livechat":
		for _, r := range address {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return problem.Field("address", "A livechat key uses lower-case letters, digits, - and _ (it becomes the chat page's address).")
			}
		}
	}
	return nil
}

// Create adds a sender (manager+).
func (s *Service) Create(ctx context.Context, a accounts.Actor, channel, address string) (store.Sender, error) {
	if err := a.Require(rbac.ActivateChatbots, "create senders"); err != nil {
		return store.Sender{}, err
	}
	channel, address = strings.ToLower(strings.TrimSpace(channel)), strings.TrimSpace(address)
	if err := CheckAddress(channel, address); err != nil {
		return store.Sender{}, err
	}
	var snd store.Sender
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		snd, err = tx.CreateSender(ctx, channel, address, NewKey(), s.Now().UTC())
		if errors.Is(err, store.ErrDuplicate) {
			return problem.Field("address", "There is already a %s sender with the address %s.", channel, address)
		}
		if err != nil {
			return err
		}
		e := a.Entry(ActionCreated, "sender", snd.ID, channel+":"+address, map[string]any{
			"after": map[string]any{"channel": channel, "address": address},
		})
		e.At = s.Now().UTC()
		_, err = tx.AppendAudit(ctx, e)
		return err
	})
	return snd, err
}

// RegenerateKey gives a sender a new inbound key (manager+); the old one
// stops working at once.
func (s *Service) RegenerateKey(ctx context.Context, a accounts.Actor, id int64) (store.Sender, error) {
	if err := a.Require(rbac.ActivateChatbots, "change inbound keys"); err != nil {
		return store.Sender{}, err
	}
	var snd store.Sender
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		now := s.Now().UTC()
		if err := tx.SetSenderKey(ctx, id, NewKey(), now); errors.Is(err, store.ErrNotFound) {
			return problem.New(problem.NotFound, "sender_not_found", "No such sender.")
		} else if err != nil {
			return err
		}
		var err error
		if snd, err = tx.SenderByID(ctx, id); err != nil {
			return err
		}
		e := a.Entry(ActionKeyRegenerated, "sender", snd.ID, snd.Channel+":"+snd.Address, nil)
		e.At = now
		_, err = tx.AppendAudit(ctx, e)
		return err
	})
	return snd, err
}

// KeyMatches compares an inbound key in constant time.
func KeyMatches(s store.Sender, key string) bool {
	return key != "" && auth.SameHash([]byte(s.InboundKey), []byte(key))
}
