// Package senders is the service for channel senders: the addresses end
// users write to, and the inbound keys their gateways authenticate with.
package senders

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
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
	ActionUpdated        = "sender.updated"
	ActionDeleted        = "sender.deleted"
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

// NormalAddress checks an address against its channel's rules and
// returns it in the one form it is stored and matched in:
//   - sms, whatsapp, viber: a phone number in international (E.164) form,
//     "+", a country code and the number, 8 to 15 digits in all; spaces,
//     dots, dashes and brackets between the digits are dropped;
//   - telegram: the bot's username, 5 to 32 letters, digits and _, that
//     starts with a letter and ends in "bot" (Telegram's own rule); a
//     leading @ is dropped;
//   - messenger: the Facebook page id, 5 to 20 digits;
//   - livechat: the key that becomes the chat page's address, lower-case
//     letters, digits, - and _, starting with a letter or a digit, at most
//     64 characters.
func NormalAddress(channel, address string) (string, error) {
	if !ValidChannel(channel) {
		return "", problem.Field("channel", "Choose a channel: %s.", strings.Join(Channels, ", "))
	}
	address = strings.TrimSpace(address)
	if address == "" {
		return "", problem.Field("address", "Enter the sender's address (%s).", addressHint[channel])
	}
	if utf8.RuneCountInString(address) > 100 {
		return "", problem.Field("address", "Use at most 100 characters for the address.")
	}
	switch channel {
	case "sms", "whatsapp", "viber":
		return phoneNumber(channel, address)
	case "telegram":
		name := strings.TrimPrefix(address, "@")
		if !telegramName(name) {
			return "", problem.Field("address", "A telegram sender is the bot's username: 5 to 32 letters, digits and _, starting with a letter and ending in \"bot\", such as answers_bot.")
		}
		return name, nil
	case "messenger":
		if n := len(address); n < 5 || n > 20 || strings.Trim(address, "0123456789") != "" {
			return "", problem.Field("address", "A messenger sender is the Facebook page id: 5 to 20 digits, such as 104532198765432.")
		}
		return address, nil
	default: // livechat
		ok := len(address) <= 64 && address[0] != '-' && address[0] != '_'
		for _, r := range address {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				ok = false
			}
		}
		if !ok {
			return "", problem.Field("address", "A livechat key is up to 64 lower-case letters, digits, - and _, starting with a letter or a digit, such as support (it becomes the chat page's address).")
		}
		return address, nil
	}
}

// addressHint says what an address looks like, per channel.
var addressHint = map[string]string{
	"sms":       "a phone number such as +15551234567",
	"whatsapp":  "a phone number such as +15551234567",
	"viber":     "a phone number such as +15551234567",
	"telegram":  "the bot's username, such as answers_bot",
	"messenger": "the Facebook page id, such as 104532198765432",
	"livechat":  "a key such as support; it becomes the chat page's address",
}

// phoneNumber reads an E.164 number, allowing the separators people type.
func phoneNumber(channel, address string) (string, error) {
	bad := problem.Field("address", "A %s sender is a phone number in international form: + and the country code, then the number, such as +15551234567.", channel)
	if !strings.HasPrefix(address, "+") {
		return "", bad
	}
	var b strings.Builder
	b.WriteByte('+')
	for _, r := range address[1:] {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", bad
		}
	}
	n := b.String()
	if digits := len(n) - 1; digits < 8 || digits > 15 || n[1] == '0' {
		return "", bad
	}
	return n, nil
}

// telegramName reports whether name is a Telegram bot username.
func telegramName(name string) bool {
	if len(name) < 5 || len(name) > 32 || !strings.HasSuffix(strings.ToLower(name), "bot") {
		return false
	}
	for i, r := range name {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if i == 0 && !letter || !(letter || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// Create adds a sender (manager+).
func (s *Service) Create(ctx context.Context, a who.Actor, channel, address string) (store.Sender, error) {
	if err := a.Require(rbac.ActivateChatbots, "create senders"); err != nil {
		return store.Sender{}, err
	}
	channel = strings.ToLower(strings.TrimSpace(channel))
	address, err := NormalAddress(channel, address)
	if err != nil {
		return store.Sender{}, err
	}
	var snd store.Sender
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
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
func (s *Service) RegenerateKey(ctx context.Context, a who.Actor, id int64) (store.Sender, error) {
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

var errNoSender = problem.New(problem.NotFound, "sender_not_found", "No such sender.")

// SetAddress changes a sender's address (manager+), checked by the rules of
// its channel, which does not change. Chatbots on the sender stay on it:
// end users reach them at the new address from the next message on.
func (s *Service) SetAddress(ctx context.Context, a who.Actor, id int64, address string) (store.Sender, error) {
	return s.Update(ctx, a, id, Update{Address: &address})
}

// Update is a change to a sender: what is nil stays as it is.
type Update struct {
	Address *string
	Embed   *EmbedInput // only for livechat senders
}

// Update changes a sender's address and its web chat's embedding
// (manager+) in one transaction: either all of it is saved, each part with
// its audit entry, or, when any part is refused, nothing.
func (s *Service) Update(ctx context.Context, a who.Actor, id int64, u Update) (store.Sender, error) {
	if err := a.Require(rbac.ActivateChatbots, "change senders"); err != nil {
		return store.Sender{}, err
	}
	var snd store.Sender
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if snd, err = tx.SenderByID(ctx, id); errors.Is(err, store.ErrNotFound) {
			return errNoSender
		} else if err != nil {
			return err
		}
		if u.Embed != nil {
			if snd, err = s.setEmbed(ctx, tx, a, snd, *u.Embed); err != nil {
				return err
			}
		}
		if u.Address != nil {
			snd, err = s.setAddress(ctx, tx, a, snd, *u.Address)
		}
		return err
	})
	return snd, err
}

func (s *Service) setAddress(ctx context.Context, tx *store.Tx, a who.Actor, before store.Sender, address string) (store.Sender, error) {
	norm, err := NormalAddress(before.Channel, address)
	if err != nil {
		return before, err
	}
	if norm == before.Address {
		return before, nil
	}
	now := s.Now().UTC()
	if err := tx.SetSenderAddress(ctx, before.ID, norm, now); errors.Is(err, store.ErrDuplicate) {
		return before, problem.Field("address", "There is already a %s sender with the address %s.", before.Channel, norm)
	} else if err != nil {
		return before, err
	}
	snd, err := tx.SenderByID(ctx, before.ID)
	if err != nil {
		return before, err
	}
	e := a.Entry(ActionUpdated, "sender", snd.ID, snd.Channel+":"+snd.Address, map[string]any{
		"before": map[string]any{"address": before.Address},
		"after":  map[string]any{"address": snd.Address},
	})
	e.At = now
	_, err = tx.AppendAudit(ctx, e)
	return snd, err
}

// Delete removes a sender no chatbot uses and no conversation ran on
// (manager+). Otherwise it refuses with the reason and changes nothing:
// chatbots must move first, and a sender with conversations keeps them
// readable in transcripts and analytics.
func (s *Service) Delete(ctx context.Context, a who.Actor, id int64) (store.Sender, error) {
	if err := a.Require(rbac.ActivateChatbots, "delete senders"); err != nil {
		return store.Sender{}, err
	}
	var snd store.Sender
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if snd, err = tx.SenderByID(ctx, id); errors.Is(err, store.ErrNotFound) {
			return errNoSender
		} else if err != nil {
			return err
		}
		use, err := tx.SenderUse(ctx, id)
		if err != nil {
			return err
		}
		if err := inUse(snd, use); err != nil {
			return err
		}
		if err := tx.DeleteSender(ctx, id); errors.Is(err, store.ErrSenderInUse) {
			// Something came to use it since SenderUse looked.
			return problem.New(problem.Conflict, "sender_in_use", "%s %s is in use now; reload to see by what.", snd.Channel, snd.Address)
		} else if err != nil {
			return err
		}
		e := a.Entry(ActionDeleted, "sender", snd.ID, snd.Channel+":"+snd.Address, map[string]any{
			"before": map[string]any{"channel": snd.Channel, "address": snd.Address},
		})
		e.At = s.Now().UTC()
		_, err = tx.AppendAudit(ctx, e)
		return err
	})
	return snd, err
}

// inUse is the refusal to delete a sender that something refers to.
func inUse(snd store.Sender, use store.SenderUse) error {
	if use.Chatbots > 0 {
		names := `"` + strings.Join(use.ChatbotNames, `", "`) + `"`
		if more := use.Chatbots - len(use.ChatbotNames); more > 0 {
			names += fmt.Sprintf(" and %d more", more)
		}
		uses := fmt.Sprintf("%d chatbots use it", use.Chatbots)
		if use.Chatbots == 1 {
			uses = "1 chatbot uses it"
		}
		p := problem.New(problem.Conflict, "sender_in_use",
			"%s %s cannot be deleted: %s (%s). Move them to another sender or delete them first.",
			snd.Channel, snd.Address, uses, names)
		p.Details = map[string]any{"chatbots": use.Chatbots}
		return p
	}
	if use.HasSessions {
		return problem.New(problem.Conflict, "sender_has_conversations",
			"%s %s cannot be deleted: conversations ran on it, and their transcripts and analytics refer to it.", snd.Channel, snd.Address)
	}
	return nil
}
