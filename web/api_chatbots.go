package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
)

func toAPIChatbot(c store.Chatbot) apiChatbot {
	out := apiChatbot{
		ID: c.ID, Name: c.Name, Status: c.Status, Draft: c.Draft(), Channel: c.Channel, Language: c.Language,
		SessionTimeoutSeconds: int(c.SessionTimeout / time.Second), Version: c.Version,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, FamilyID: c.FamilyID, FamilyVersion: c.FamilyVersion,
	}
	if c.BasedOnID != 0 {
		id := c.BasedOnID
		out.BasedOnID = &id
	}
	if c.SenderID != 0 {
		id := c.SenderID
		out.SenderID = &id
	}
	if !c.GraceEndsAt.IsZero() {
		t := c.GraceEndsAt
		out.GraceEndsAt = &t
	}
	return out
}

// apiChatbots lists chatbots with the filters status, sender_id and q.
func (s *Server) apiChatbots(c echo.Context) error {
	f := store.ChatbotFilter{Status: c.QueryParam("status"), Query: c.QueryParam("q"), Sort: "name", Limit: 500}
	switch f.Status {
	case "", store.StatusActive, store.StatusDeactivated, store.StatusInactive, "draft":
	default:
		return problem.Field("status", "Unknown status %q: use active, deactivated, inactive or draft.", f.Status)
	}
	if v := c.QueryParam("sender_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return problem.Field("sender_id", "sender_id must be a positive integer.")
		}
		f.SenderID = id
	}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return problem.Field("limit", "limit must be between 1 and 500.")
		}
		f.Limit = n
	}
	if v := c.QueryParam("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return problem.Field("offset", "offset must be 0 or more.")
		}
		f.Offset = n
	}
	rows, total, err := s.cfg.Store.Chatbots(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := make([]apiChatbot, 0, len(rows))
	for _, r := range rows {
		out = append(out, toAPIChatbot(r.Chatbot))
	}
	c.Response().Header().Set("X-Total-Count", strconv.Itoa(total))
	return c.JSON(http.StatusOK, out)
}

// apiChatbot returns one chatbot, with its definition for those who may
// see details.
func (s *Server) apiChatbot(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	if !rbac.Can(u.Role, rbac.ViewChatbots) {
		bot, err := s.cfg.Store.ChatbotByID(c.Request().Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			return problem.New(problem.NotFound, chatbots.CodeNotFound, "No such chatbot.")
		}
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toAPIChatbot(bot))
	}
	bot, def, err := s.cfg.Chatbots.Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	out := toAPIChatbot(bot)
	out.Definition = def
	out.Revisions = revisionsOf(bot, def)
	return c.JSON(http.StatusOK, out)
}

func revisionsOf(bot store.Chatbot, def *chatbot.Definition) *apiRevisions {
	r := &apiRevisions{
		Settings: chatbots.Revision(bot, def, chatbots.PartSettings),
		Tests:    chatbots.Revision(bot, def, chatbots.PartTests),
		Dialogs:  map[string]string{},
	}
	for _, d := range def.Dialogs {
		if _, dup := r.Dialogs[d.ID]; !dup {
			r.Dialogs[d.ID] = chatbots.Revision(bot, def, chatbots.DialogPart(d.ID))
		}
	}
	return r
}

// apiDialogPut is the body of PUT /chatbots/{id}/dialogs/{dialog}. With
// version and revision (from GET /chatbots/{id}), the dialog is replaced
// when nobody changed it since, whatever else changed; without them, the
// latest version is replaced.
type apiDialogPut struct {
	Version  *int64            `json:"version"`
	Revision string            `json:"revision"`
	Name     string            `json:"name"`
	Elements []chatbot.Element `json:"elements"`
}

func (s *Server) apiPutDialog(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var p apiDialogPut
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	ctx := c.Request().Context()
	cur, err := s.cfg.Store.ChatbotByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return problem.New(problem.NotFound, chatbots.CodeNotFound, "No such chatbot.")
	}
	if err != nil {
		return err
	}
	e := chatbots.Edit{Version: cur.Version, Apply: chatbots.ReplaceDialog(c.Param("dialog"), p.Name, p.Elements)}
	if p.Version != nil {
		e.Version, e.Part, e.Revision = *p.Version, chatbots.DialogPart(c.Param("dialog")), p.Revision
	}
	if _, err := s.cfg.Chatbots.Update(ctx, actor(c), id, e); err != nil {
		return err
	}
	bot, def, err := s.cfg.Chatbots.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	out := toAPIChatbot(bot)
	out.Revisions = revisionsOf(bot, def)
	return c.JSON(http.StatusOK, out)
}

// apiPatch is the body of PATCH /chatbots/{id}: every field optional.
// version, when given, must be the current one (optimistic concurrency).
type apiPatch struct {
	Name                  *string         `json:"name"`
	Language              *string         `json:"language"`
	SenderID              *int64          `json:"sender_id"`
	SessionTimeoutSeconds *int64          `json:"session_timeout_seconds"`
	Definition            json.RawMessage `json:"definition"`
	Version               *int64          `json:"version"`
}

func (s *Server) apiPatchChatbot(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var p apiPatch
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	var def *chatbot.Definition
	if len(p.Definition) > 0 && string(p.Definition) != "null" {
		if def, err = chatbot.Parse(p.Definition); err != nil {
			return problem.New(problem.Invalid, "invalid_definition", "definition: %v", err)
		}
	}
	ctx := c.Request().Context()
	cur, err := s.cfg.Store.ChatbotByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return problem.New(problem.NotFound, chatbots.CodeNotFound, "No such chatbot.")
	}
	if err != nil {
		return err
	}
	version := cur.Version
	if p.Version != nil {
		version = *p.Version
	}
	bot, err := s.cfg.Chatbots.Update(ctx, actor(c), id, chatbots.Edit{Version: version, Apply: func(set *chatbots.Settings, d *chatbot.Definition) (string, error) {
		if p.Name != nil {
			set.Name = *p.Name
		}
		if p.Language != nil {
			set.Language = *p.Language
		}
		if p.SenderID != nil {
			set.SenderID = *p.SenderID
		}
		if p.SessionTimeoutSeconds != nil {
			d, err := seconds(*p.SessionTimeoutSeconds, "session_timeout_seconds")
			if err != nil {
				return "", err
			}
			set.SessionTimeout = d
		}
		if def != nil {
			*d = *def
			return "updated through the API (definition replaced)", nil
		}
		return "updated through the API", nil
	}})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIChatbot(bot))
}

func (s *Server) apiValidate(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	_, fs, err := s.cfg.Chatbots.Validate(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	type finding struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Dialog  string `json:"dialog,omitempty"`
		Element *int   `json:"element,omitempty"`
	}
	conv := func(list []chatbot.Finding) []finding {
		out := make([]finding, 0, len(list))
		for _, f := range list {
			x := finding{Code: f.Code, Message: f.Message, Dialog: f.Dialog}
			if f.Element >= 0 {
				i := f.Element
				x.Element = &i
			}
			out = append(out, x)
		}
		return out
	}
	return c.JSON(http.StatusOK, map[string]any{"errors": conv(chatbot.Errors(fs)), "warnings": conv(chatbot.Warnings(fs))})
}

// decodeJSON reads a JSON body strictly, with a clear message for each way
// it can be wrong.
func decodeJSON(c echo.Context, v any) error {
	// The route's body limit (limitBody) bounds what is read.
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		if e, ok := isTooLarge(err); ok {
			return e
		}
		switch {
		case errors.Is(err, io.EOF):
			return problem.New(problem.Invalid, "empty_body", "The request body is empty; send a JSON object.")
		case errors.As(err, &syn):
			return problem.New(problem.Invalid, "invalid_json", "The body is not valid JSON (at byte %d).", syn.Offset)
		case errors.As(err, &typ) && typ.Field == "":
			return problem.New(problem.Invalid, "invalid_body", "The body must be a JSON object.")
		case errors.As(err, &typ):
			return problem.New(problem.Invalid, "invalid_field", "The field %q has the wrong type (found a JSON %s).", typ.Field, typ.Value)
		default:
			return problem.New(problem.Invalid, "invalid_body", "The body could not be read: %v.", err)
		}
	}
	if dec.More() {
		return problem.New(problem.Invalid, "invalid_json", "The body has more than one JSON value.")
	}
	return nil
}

// apiExport is GET /api/v1/chatbots/{id}/export.
func (s *Server) apiExport(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	data, _, err := s.cfg.Chatbots.Export(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/json", data)
}

// apiImport is POST /api/v1/chatbots: the body is an export document.
func (s *Server) apiImport(c echo.Context) error {
	data, err := io.ReadAll(io.LimitReader(c.Request().Body, chatbot.MaxDefinitionBytes+1))
	if e, ok := isTooLarge(err); ok {
		return e
	}
	if err != nil {
		return problem.New(problem.Invalid, "invalid_body", "The body could not be read.")
	}
	// {"template": "<id>", "name": "…"} starts from a template; anything
	// else is an export document.
	var fromTemplate struct {
		Template *string `json:"template"`
		Name     string  `json:"name"`
		Channel  string  `json:"channel"`
		SenderID int64   `json:"sender_id"`
	}
	var bot store.Chatbot
	if json.Unmarshal(data, &fromTemplate) == nil && fromTemplate.Template != nil {
		if fromTemplate.Channel == "" {
			fromTemplate.Channel = "livechat"
		}
		bot, err = s.cfg.Chatbots.CreateFromTemplate(c.Request().Context(), actor(c), *fromTemplate.Template,
			chatbots.Settings{Name: fromTemplate.Name, Channel: fromTemplate.Channel, SenderID: fromTemplate.SenderID})
	} else {
		bot, err = s.cfg.Chatbots.Import(c.Request().Context(), actor(c), data)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAPIChatbot(bot))
}

// apiTemplates is GET /api/v1/templates: what POST /api/v1/chatbots
// {"template"} may start from, with the placeholders to replace.
func (s *Server) apiTemplates(c echo.Context) error {
	return c.JSON(http.StatusOK, chatbots.Templates())
}

// apiReleases is GET /api/v1/chatbots/{id}/releases.
func (s *Server) apiReleases(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, _, err := s.cfg.Chatbots.Get(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	rels, err := s.cfg.Store.Releases(c.Request().Context(), id)
	if err != nil {
		return err
	}
	type release struct {
		Number         int             `json:"number"`
		DefinitionHash string          `json:"definition_hash"`
		Definition     json.RawMessage `json:"definition"`
		Report         json.RawMessage `json:"validation_report"`
		OverrideReason string          `json:"override_reason"`
		ActivatedBy    string          `json:"activated_by"`
		ActivatedAt    time.Time       `json:"activated_at"`
		// TestResults are the conversation tests' results at activation;
		// null for releases made before they were recorded.
		TestResults json.RawMessage `json:"test_results"`
	}
	out := make([]release, 0, len(rels))
	for _, r := range rels {
		out = append(out, release{r.Number, r.DefinitionHash, r.Definition, r.Report, r.OverrideReason, r.ActivatedBy, r.ActivatedAt, rawOrNull(r.TestResults)})
	}
	return c.JSON(http.StatusOK, out)
}

// seconds turns a count of seconds from an API body into a duration,
// refusing what is negative or longer than 30 days before it can overflow.
func seconds(n int64, field string) (time.Duration, error) {
	if n < 0 || n > int64(lifecycle.MaxGrace/time.Second) {
		return 0, problem.Field(field, "%s must be between 0 and %d (30 days).", field, int64(lifecycle.MaxGrace/time.Second))
	}
	return time.Duration(n) * time.Second, nil
}

// apiDuplicate is POST /api/v1/chatbots/{id}/duplicate.
func (s *Server) apiDuplicate(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	bot, err := s.cfg.Chatbots.Duplicate(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAPIChatbot(bot))
}

// apiChatbot is a chatbot as SPEC §6 shows it.
type apiChatbot struct {
	ID                    int64               `json:"id"`
	Name                  string              `json:"name"`
	Status                string              `json:"status"`
	Draft                 bool                `json:"draft"`
	Channel               string              `json:"channel"`
	SenderID              *int64              `json:"sender_id"`
	SessionTimeoutSeconds int                 `json:"session_timeout_seconds"`
	GraceEndsAt           *time.Time          `json:"grace_ends_at"`
	CreatedAt             time.Time           `json:"created_at"`
	UpdatedAt             time.Time           `json:"updated_at"`
	Language              string              `json:"language"`
	Version               int64               `json:"version"`
	Definition            *chatbot.Definition `json:"definition,omitempty"`
	// FamilyID is the id of the family's first chatbot; FamilyVersion the
	// N of its "vN"; BasedOnID the chatbot this version was made from.
	FamilyID      int64  `json:"family_id"`
	FamilyVersion int    `json:"family_version"`
	BasedOnID     *int64 `json:"based_on_id"`
	// Revisions fingerprint the parts of the definition an edit may be
	// scoped to (PUT /chatbots/{id}/dialogs/{dialog}); with details only.
	Revisions *apiRevisions `json:"revisions,omitempty"`
}

// apiRevisions are the revisions of a chatbot's parts (chatbots.Revision).
type apiRevisions struct {
	Settings string            `json:"settings"`
	Tests    string            `json:"tests"`
	Dialogs  map[string]string `json:"dialogs"`
}

// apiDiff compares two chatbots, or a chatbot with a release of another.
func (s *Server) apiDiff(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	against, release, err := diffParams(c)
	if err != nil {
		return err
	}
	res, err := s.cfg.Chatbots.Diff(c.Request().Context(), actor(c), id, against, release)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// apiNewVersion is POST /api/v1/chatbots/{id}/versions: the same service
// call as the console's "New version".
func (s *Server) apiNewVersion(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	bot, err := s.cfg.Chatbots.NewVersion(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAPIChatbot(bot))
}
