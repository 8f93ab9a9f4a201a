// Package chatbots is the service for designing chatbots: creating them,
// editing their settings and definitions (inactive ones only, with
// optimistic concurrency), and validating them. Lifecycle transitions live
// in package lifecycle.
package chatbots

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/senders"
	"github.com/answers-console/answers/internal/simulate"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// Audit actions for chatbots.
const (
	ActionCreated = "chatbot.created"
	ActionEdited  = "chatbot.edited"
)

// Limits on settings.
const (
	DefaultTimeout = 15 * time.Minute
	MaxTimeout     = 30 * 24 * time.Hour
	MaxNameRunes   = 100
)

// Languages offered for a chatbot (ISO 639-1).
var Languages = []string{"en", "es", "fr", "de", "it", "pt", "nl", "pl", "tr", "ar", "hi", "ja", "zh"}

// Service is the chatbot design service.
type Service struct {
	Store *store.Store
	Now   func() time.Time
	// Signer signs test-chat conversations (see Simulate).
	Signer *simulate.Signer
}

// New makes the service.
func New(st *store.Store) *Service {
	return &Service{Store: st, Now: time.Now, Signer: simulate.NewSigner()}
}

var errNotFound = problem.New(problem.NotFound, CodeNotFound, "No such chatbot.")

// Settings are a chatbot's editable fields besides its definition.
type Settings struct {
	Name           string
	Language       string
	Channel        string
	SenderID       int64
	SessionTimeout time.Duration
}

// check normalises and checks settings against the database (the sender
// must exist).
func (s *Service) check(ctx context.Context, q interface {
	SenderByID(context.Context, int64) (store.Sender, error)
}, in *Settings) error {
	in.Name = strings.TrimSpace(in.Name)
	in.Language = strings.ToLower(strings.TrimSpace(in.Language))
	in.Channel = strings.ToLower(strings.TrimSpace(in.Channel))
	switch {
	case in.Name == "":
		return problem.Field("name", "Enter a name.")
	case utf8.RuneCountInString(in.Name) > MaxNameRunes:
		return problem.Field("name", "Use at most %d characters for the name.", MaxNameRunes)
	case !validLanguage(in.Language):
		return problem.Field("language", "Choose a language.")
	case !senders.ValidChannel(in.Channel):
		return problem.Field("channel", "Choose a channel: %s.", strings.Join(senders.Channels, ", "))
	case in.SessionTimeout < time.Minute || in.SessionTimeout > MaxTimeout:
		return problem.Field("session_timeout", "The session timeout must be between 1 minute and 30 days.")
	}
	if in.SenderID != 0 {
		snd, err := q.SenderByID(ctx, in.SenderID)
		if errors.Is(err, store.ErrNotFound) {
			return problem.Field("sender_id", "There is no sender with the id %d.", in.SenderID)
		}
		if err != nil {
			return err
		}
		if snd.Channel != in.Channel {
			return problem.Field("sender_id", "The sender %s is on %s, but the chatbot is for %s.", snd.Address, snd.Channel, in.Channel)
		}
	}
	return nil
}

func validLanguage(l string) bool {
	for _, x := range Languages {
		if x == l {
			return true
		}
	}
	return false
}

// Create makes a new inactive chatbot with a starter definition
// (designer+).
func (s *Service) Create(ctx context.Context, a who.Actor, in Settings) (store.Chatbot, error) {
	return s.create(ctx, a, in, chatbot.NewDefinition(), ActionCreated, nil)
}

// create inserts a chatbot with def and writes its audit entry.
func (s *Service) create(ctx context.Context, a who.Actor, in Settings, def *chatbot.Definition, action string, details map[string]any) (store.Chatbot, error) {
	return s.createIn(ctx, a, in, def, store.NewChatbot{}, action, details)
}

// createIn is create that places the chatbot in a family: place's
// FamilyID, BasedOnID and FamilyVersion are stored as given.
func (s *Service) createIn(ctx context.Context, a who.Actor, in Settings, def *chatbot.Definition, place store.NewChatbot, action string, details map[string]any) (store.Chatbot, error) {
	if err := a.Require(rbac.EditChatbots, "create chatbots"); err != nil {
		return store.Chatbot{}, err
	}
	if in.Language == "" {
		in.Language = "en"
	}
	if in.SessionTimeout == 0 {
		in.SessionTimeout = DefaultTimeout
	}
	// The stored form (indented) is what must fit: a compact import under
	// the limit can grow past it, and every page then reads it.
	data := def.JSON()
	if len(data) > chatbot.MaxDefinitionBytes {
		return store.Chatbot{}, problem.New(problem.Invalid, "definition_too_large",
			"The definition would be larger than %d KiB once stored (it is %d KiB).", chatbot.MaxDefinitionBytes/1024, len(data)/1024)
	}
	if n := def.KeywordCount(); n > chatbot.MaxKeywords {
		return store.Chatbot{}, problem.New(problem.Invalid, "too_many_keywords", "The definition has %d keywords; the limit is %d.", n, chatbot.MaxKeywords)
	}
	var c store.Chatbot
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := s.check(ctx, tx, &in); err != nil {
			return err
		}
		var err error
		c, err = tx.CreateChatbot(ctx, store.NewChatbot{
			Name: in.Name, Language: in.Language, Channel: in.Channel, SenderID: in.SenderID,
			SessionTimeout: in.SessionTimeout, Definition: data,
			FamilyID: place.FamilyID, BasedOnID: place.BasedOnID, FamilyVersion: place.FamilyVersion,
		}, s.Now().UTC())
		if errors.Is(err, store.ErrDuplicate) {
			return nameTaken{problem.Field("name", "A chatbot named %q already exists.", in.Name)}
		}
		if err != nil {
			return err
		}
		if details == nil {
			details = map[string]any{}
		}
		details["after"] = settingsMap(c)
		return s.audit(ctx, tx, a.Entry(action, "chatbot", c.ID, c.Name, details))
	})
	return c, err
}

func settingsMap(c store.Chatbot) map[string]any {
	return map[string]any{
		"name": c.Name, "language": c.Language, "channel": c.Channel, "sender_id": c.SenderID,
		"session_timeout_seconds": int64(c.SessionTimeout / time.Second), "status": c.Status,
	}
}

func (s *Service) audit(ctx context.Context, tx *store.Tx, e audit.Entry) error {
	e.At = s.Now().UTC()
	_, err := tx.AppendAudit(ctx, e)
	return err
}

// Get loads a chatbot and its definition for someone who may view details
// (supervisor+).
func (s *Service) Get(ctx context.Context, a who.Actor, id int64) (store.Chatbot, *chatbot.Definition, error) {
	if err := a.Require(rbac.ViewChatbots, "view chatbot details"); err != nil {
		return store.Chatbot{}, nil, err
	}
	c, err := s.Store.ChatbotByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Chatbot{}, nil, errNotFound
	}
	if err != nil {
		return store.Chatbot{}, nil, err
	}
	def, err := chatbot.Parse(c.Definition)
	if err != nil {
		return store.Chatbot{}, nil, fmt.Errorf("chatbot %d has an unreadable definition: %w", id, err)
	}
	return c, def, nil
}

// Validate checks a chatbot: its definition and its settings (sender,
// channel, timeout), and runs its conversation tests (within the budget of
// one test run, outside any lock), recording the run. It is for an
// explicit request (the API's validate); a page uses Review.
func (s *Service) Validate(ctx context.Context, a who.Actor, id int64) (store.Chatbot, []chatbot.Finding, error) {
	c, def, err := s.Get(ctx, a, id)
	if err != nil {
		return c, nil, err
	}
	vctx, err := s.context(ctx, c)
	if err != nil {
		return c, nil, err
	}
	var results []chatbot.TestResult
	if len(def.Tests) > 0 {
		results = chatbot.RunTests(def)
		if err := s.RecordTests(ctx, a, c.ID, def, results); err != nil {
			return c, nil, err
		}
	}
	return c, chatbot.ValidateWithResults(def, vctx, results), nil
}

// Review is Validate without running the conversation tests, for pages:
// their findings come from the last recorded run when it is of the
// current definition; otherwise tests.NeedsRun says they are to be run.
func (s *Service) Review(ctx context.Context, a who.Actor, id int64) (store.Chatbot, []chatbot.Finding, TestStatus, error) {
	c, def, err := s.Get(ctx, a, id)
	if err != nil {
		return c, nil, TestStatus{}, err
	}
	fs, tests, err := s.ReviewOf(ctx, c, def)
	return c, fs, tests, err
}

// ReviewOf is Review of a chatbot already loaded (its definition def).
func (s *Service) ReviewOf(ctx context.Context, c store.Chatbot, def *chatbot.Definition) ([]chatbot.Finding, TestStatus, error) {
	vctx, err := s.context(ctx, c)
	if err != nil {
		return nil, TestStatus{}, err
	}
	tests, err := s.LastTests(ctx, c, def)
	if err != nil {
		return nil, tests, err
	}
	return chatbot.ValidateWithResults(def, vctx, tests.results), tests, nil
}

// context is the validation context of a chatbot: its settings and its
// sender's channel.
func (s *Service) context(ctx context.Context, c store.Chatbot) (chatbot.Context, error) {
	vctx := chatbot.Context{Channel: c.Channel, SessionTimeout: c.SessionTimeout}
	if c.SenderID != 0 {
		snd, err := s.Store.SenderByID(ctx, c.SenderID)
		if err != nil {
			return vctx, err
		}
		vctx.HasSender, vctx.SenderChannel = true, snd.Channel
	}
	return vctx, nil
}

// Edit is one change to a chatbot, made from the version the editor
// showed. Apply changes the settings and the definition in place and says
// what it did, for the audit log.
//
// Part and Revision scope the edit (see Revision): made from an older
// version, it still applies when its part is unchanged. Without a Part it
// needs the current version.
type Edit struct {
	Version  int64
	Part     string
	Revision string
	Apply    func(set *Settings, def *chatbot.Definition) (summary string, err error)
}

// Codes of the refusals the console words or handles itself (the others
// reach people as they are).
const (
	CodeNotFound        = "chatbot_not_found"
	CodeNotEditable     = "not_editable" // live chatbots are not edited: make a new version
	CodeNotDraft        = "not_draft"    // only never-activated chatbots are deleted
	CodeReleaseNotFound = "release_not_found"
)

// ErrStale is the refusal of an edit made from an old version.
var ErrStale = problem.New(problem.Conflict, "stale_version",
	"Someone else changed this chatbot since you opened it, so your change was not saved. The editor now shows the latest version; make your change again.")

// Update applies an edit to an inactive chatbot (designer+). Edits of an
// active or deactivated chatbot are refused, on every path.
func (s *Service) Update(ctx context.Context, a who.Actor, id int64, e Edit) (store.Chatbot, error) {
	if err := a.Require(rbac.EditChatbots, "edit chatbots"); err != nil {
		return store.Chatbot{}, err
	}
	// A scoped edit that lost a race with another save re-reads and
	// decides again: the other save may have touched another part.
	for try := 0; ; try++ {
		out, err := s.update(ctx, a, id, e)
		if errors.Is(err, errRaced) {
			if try < 3 {
				continue
			}
			err = ErrStale
		}
		return out, err
	}
}

// errRaced is a scoped edit whose write found a newer version than it read.
var errRaced = errors.New("chatbots: raced with another save")

func (s *Service) update(ctx context.Context, a who.Actor, id int64, e Edit) (store.Chatbot, error) {
	var out store.Chatbot
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.ChatbotByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		if !c.Editable() {
			return notEditable(c)
		}
		def, err := chatbot.Parse(c.Definition)
		if err != nil {
			return err
		}
		if err := checkBase(e, c, def); err != nil {
			return err
		}
		before := settingsMap(c)
		set := Settings{Name: c.Name, Language: c.Language, Channel: c.Channel, SenderID: c.SenderID, SessionTimeout: c.SessionTimeout}
		summary, err := e.Apply(&set, def)
		if err != nil {
			return err
		}
		if err := s.check(ctx, tx, &set); err != nil {
			return err
		}
		data := def.JSON()
		if len(data) > chatbot.MaxDefinitionBytes {
			return problem.New(problem.Invalid, "definition_too_large", "The definition would be larger than %d KiB.", chatbot.MaxDefinitionBytes/1024)
		}
		if n := def.KeywordCount(); n > chatbot.MaxKeywords {
			return problem.New(problem.Invalid, "too_many_keywords", "The definition would have %d keywords; the limit is %d.", n, chatbot.MaxKeywords)
		}
		c.Name, c.Language, c.Channel, c.SenderID, c.SessionTimeout = set.Name, set.Language, set.Channel, set.SenderID, set.SessionTimeout
		c.Definition = data
		out, err = tx.UpdateChatbot(ctx, c, s.Now().UTC())
		switch {
		case errors.Is(err, store.ErrStale) && e.Part != "":
			return errRaced
		case errors.Is(err, store.ErrStale):
			return ErrStale
		case errors.Is(err, store.ErrNotEditable):
			return notEditable(c)
		case errors.Is(err, store.ErrDuplicate):
			return problem.Field("name", "A chatbot named %q already exists.", set.Name)
		case err != nil:
			return err
		}
		details := map[string]any{"change": summary, "version": out.Version}
		if e.Version != c.Version {
			// Merged over someone else's save: the log says from what.
			details["made_from_version"] = e.Version
		}
		if after := settingsMap(out); fmt.Sprint(after) != fmt.Sprint(before) {
			details["before"], details["after"] = before, after
		}
		return s.audit(ctx, tx, a.Entry(ActionEdited, "chatbot", out.ID, out.Name, details))
	})
	return out, err
}

func notEditable(c store.Chatbot) error {
	return problem.New(problem.Conflict, CodeNotEditable,
		"%s is %s and cannot be edited. Make a new version of it to make changes, or deactivate it first.", c.Name, c.Status)
}

func definitionHash(c store.Chatbot) string {
	def, err := chatbot.Parse(c.Definition)
	if err != nil {
		return ""
	}
	return def.Hash()
}
