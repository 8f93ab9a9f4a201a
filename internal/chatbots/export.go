package chatbots

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// Audit actions of export and import.
const (
	ActionExported = "chatbot.exported"
	ActionImported = "chatbot.imported"
)

// SchemaVersion is the version of the export document.
const SchemaVersion = 1

// Document is a chatbot as exported: everything needed to make it again,
// but not its sender, which belongs to the console it came from. Its keys
// come out in this order, so exports diff well.
type Document struct {
	SchemaVersion         int                 `json:"schema_version"`
	Name                  string              `json:"name"`
	Language              string              `json:"language"`
	Channel               string              `json:"channel"`
	SessionTimeoutSeconds int64               `json:"session_timeout_seconds"`
	Definition            *chatbot.Definition `json:"definition"`
}

// Export returns the export document of a chatbot (designer+) and records
// the export.
func (s *Service) Export(ctx context.Context, a who.Actor, id int64) ([]byte, store.Chatbot, error) {
	if err := a.Require(rbac.EditChatbots, "export chatbots"); err != nil {
		return nil, store.Chatbot{}, err
	}
	c, def, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, c, err
	}
	doc := Document{SchemaVersion: SchemaVersion, Name: c.Name, Language: c.Language, Channel: c.Channel,
		SessionTimeoutSeconds: int64(c.SessionTimeout / time.Second), Definition: def}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, c, err
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		return s.audit(ctx, tx, a.Entry(ActionExported, "chatbot", c.ID, c.Name, map[string]any{"version": c.Version, "definition_hash": def.Hash()}))
	})
	return buf.Bytes(), c, err
}

// ParseDocument reads an export document and says precisely what is wrong
// with a bad one.
func ParseDocument(data []byte) (Document, error) {
	bad := func(format string, args ...any) error {
		return problem.New(problem.Invalid, "invalid_import", "The file is not a chatbot export: "+format, args...)
	}
	if len(data) > chatbot.MaxDefinitionBytes {
		return Document{}, problem.New(problem.Invalid, "import_too_large", "The file is larger than %d KiB.", chatbot.MaxDefinitionBytes/1024)
	}
	var raw struct {
		SchemaVersion         *int            `json:"schema_version"`
		Name                  *string         `json:"name"`
		Language              *string         `json:"language"`
		Channel               *string         `json:"channel"`
		SessionTimeoutSeconds *int64          `json:"session_timeout_seconds"`
		Definition            json.RawMessage `json:"definition"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return Document{}, bad("it is not valid JSON (at byte %d).", syn.Offset)
		case errors.As(err, &typ) && typ.Field == "":
			return Document{}, bad("the file must hold one JSON object.")
		case errors.As(err, &typ):
			return Document{}, bad("%s has the wrong type (found a JSON %s).", typ.Field, typ.Value)
		default:
			return Document{}, bad("%v.", err)
		}
	}
	if dec.More() {
		return Document{}, bad("it holds more than one JSON value.")
	}
	switch {
	case raw.SchemaVersion == nil:
		return Document{}, bad("schema_version is missing.")
	case *raw.SchemaVersion != SchemaVersion:
		return Document{}, problem.New(problem.Invalid, "unsupported_schema",
			"The file has schema_version %d; this console reads version %d.", *raw.SchemaVersion, SchemaVersion)
	case raw.Name == nil:
		return Document{}, bad("name is missing.")
	case raw.Channel == nil:
		return Document{}, bad("channel is missing.")
	case len(raw.Definition) == 0 || string(raw.Definition) == "null":
		return Document{}, bad("definition is missing.")
	}
	def, err := chatbot.Parse(raw.Definition)
	if err != nil {
		return Document{}, problem.New(problem.Invalid, "invalid_definition", "The definition is not valid: definition.%v", err)
	}
	// A file whose jumps point at dialogs it does not have is broken, not
	// a draft: refuse it and say where. Its conversation tests are not run
	// here: the editor runs them when asked, outside any lock.
	untested := *def
	untested.Tests = nil
	for _, f := range chatbot.Validate(&untested, chatbot.Context{}) {
		if f.Code == chatbot.CodeUnknownDialog {
			where := "definition"
			if f.Dialog != "" {
				where = fmt.Sprintf("definition, dialog %q", f.Dialog)
				if f.Element >= 0 {
					where += fmt.Sprintf(", element %d", f.Element+1)
				}
			}
			return Document{}, problem.New(problem.Invalid, "dangling_reference", "The file is not a usable chatbot: %s: %s", where, f.Message)
		}
	}
	doc := Document{SchemaVersion: SchemaVersion, Name: *raw.Name, Channel: *raw.Channel, Definition: def, Language: "en",
		SessionTimeoutSeconds: int64(DefaultTimeout / time.Second)}
	if raw.Language != nil {
		doc.Language = *raw.Language
	}
	if raw.SessionTimeoutSeconds != nil {
		if n := *raw.SessionTimeoutSeconds; n < 60 || n > int64(MaxTimeout/time.Second) {
			return Document{}, bad("session_timeout_seconds must be between 60 and %d (30 days).", int64(MaxTimeout/time.Second))
		}
		doc.SessionTimeoutSeconds = *raw.SessionTimeoutSeconds
	}
	return doc, nil
}

// Import makes a new inactive chatbot from an export document (designer+).
// A name already in use gets " (imported)" and, if need be, a number.
func (s *Service) Import(ctx context.Context, a who.Actor, data []byte) (store.Chatbot, error) {
	if err := a.Require(rbac.EditChatbots, "import chatbots"); err != nil {
		return store.Chatbot{}, err
	}
	doc, err := ParseDocument(data)
	if err != nil {
		return store.Chatbot{}, err
	}
	in := Settings{Name: doc.Name, Language: doc.Language, Channel: doc.Channel, SessionTimeout: time.Duration(doc.SessionTimeoutSeconds) * time.Second}
	for n := 0; n < 100; n++ {
		switch n {
		case 0:
		case 1:
			in.Name = doc.Name + " (imported)"
		default:
			in.Name = fmt.Sprintf("%s (imported %d)", doc.Name, n)
		}
		if _, err := s.Store.ChatbotByName(ctx, in.Name); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return store.Chatbot{}, err
		}
		c, err := s.create(ctx, a, in, doc.Definition, ActionImported, map[string]any{"definition_hash": doc.Definition.Hash()})
		if err == nil || !isNameTaken(err) {
			return c, err
		}
		// Another import took the name in between: try the next one.
	}
	return store.Chatbot{}, problem.Field("name", "No free name for %q; rename the chatbot in the file.", doc.Name)
}
