package chatbots

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// ActionVersioned is the audit action of a new version.
const ActionVersioned = "chatbot.versioned"

// maxVersionTries bounds the search for a free "<base> vN" name: names
// another chatbot already holds are skipped, up to this many.
const maxVersionTries = 100

// versionSuffix is the " vN" a version's name ends with.
var versionSuffix = regexp.MustCompile(`\s+v[0-9]+$`)

// BaseName is a family's name without a version suffix: "Shop v3" is
// "Shop". A name that is only a suffix stays as it is.
func BaseName(name string) string {
	if base := strings.TrimSpace(versionSuffix.ReplaceAllString(name, "")); base != "" {
		return base
	}
	return name
}

// VersionName is the name of version n of the family named base, cut so
// that it fits MaxNameRunes.
func VersionName(base string, n int) string {
	suffix := " v" + strconv.Itoa(n)
	if room := MaxNameRunes - utf8.RuneCountInString(suffix); utf8.RuneCountInString(base) > room {
		base = strings.TrimSpace(string([]rune(base)[:room]))
	}
	return base + suffix
}

// NewVersion makes the next version of a chatbot's family (designer+): an
// inactive copy of the chatbot's definition and settings named
// "<base> vN", where base is the family's first name and N one more than
// its newest version (or the next N whose name is free). It remembers the
// family and the chatbot it came from.
func (s *Service) NewVersion(ctx context.Context, a who.Actor, id int64) (store.Chatbot, error) {
	if err := a.Require(rbac.EditChatbots, "make new versions of chatbots"); err != nil {
		return store.Chatbot{}, err
	}
	src, def, err := s.Get(ctx, a, id)
	if err != nil {
		return store.Chatbot{}, err
	}
	family, err := s.Store.Family(ctx, src.FamilyID)
	if err != nil {
		return store.Chatbot{}, err
	}
	// The family's base name is its oldest member's; its newest version
	// number is the highest any member holds.
	base, newest := BaseName(src.Name), src.FamilyVersion
	oldest := src.FamilyVersion
	for _, m := range family {
		newest = max(newest, m.FamilyVersion)
		if m.FamilyVersion < oldest {
			base, oldest = BaseName(m.Name), m.FamilyVersion
		}
	}
	for n := newest + 1; n <= newest+maxVersionTries; n++ {
		name := VersionName(base, n)
		if _, err := s.Store.ChatbotByName(ctx, name); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return store.Chatbot{}, err
		}
		in := Settings{Name: name, Language: src.Language, Channel: src.Channel, SenderID: src.SenderID, SessionTimeout: src.SessionTimeout}
		place := store.NewChatbot{FamilyID: src.FamilyID, BasedOnID: src.ID, FamilyVersion: n}
		c, err := s.createIn(ctx, a, in, def, place, ActionVersioned, map[string]any{
			"based_on": map[string]any{"id": src.ID, "name": src.Name, "revision": src.Version, "definition_hash": definitionHash(src)},
			"family":   map[string]any{"id": src.FamilyID, "version": n},
		})
		if err == nil || !isNameTaken(err) {
			return c, err
		}
		// Someone took the name in between: try the next one.
	}
	return store.Chatbot{}, problem.New(problem.Conflict, "no_version_name",
		"Chatbots named %s up to v%d already exist; rename one of them, then make the new version.", base, newest+maxVersionTries)
}

// Family lists the members of a chatbot's family, newest version first,
// for someone who may view chatbots in detail.
func (s *Service) Family(ctx context.Context, a who.Actor, c store.Chatbot) ([]store.Chatbot, error) {
	if err := a.Require(rbac.ViewChatbots, "view chatbot details"); err != nil {
		return nil, err
	}
	family, err := s.Store.Family(ctx, c.FamilyID)
	if err != nil {
		return nil, fmt.Errorf("family of chatbot %d: %w", c.ID, err)
	}
	return family, nil
}
