package web

import (
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/routing"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/views"
)

// editorData loads everything the chatbot page shows.
func (s *Server) editorData(c echo.Context, id int64) (views.EditorData, error) {
	ctx := c.Request().Context()
	bot, def, err := s.cfg.Chatbots.Get(ctx, actor(c), id)
	if err != nil {
		return views.EditorData{}, err
	}
	// A definition stored over the limit (before imports checked the
	// stored size) is too large for the editor's pages: say so, and offer
	// the export to trim it, rather than build a page that never ends.
	if len(bot.Definition) > chatbot.MaxDefinitionBytes {
		return views.EditorData{}, problem.New(problem.Invalid, "definition_too_large",
			"The definition of %s is %d KiB, over the %d KiB limit, too large to edit here. Export it (/chatbots/%d/export), trim it and import it again.",
			bot.Name, len(bot.Definition)/1024, chatbot.MaxDefinitionBytes/1024, id)
	}
	list, _, err := s.senderPicker(c, bot.Channel, bot.SenderID)
	if err != nil {
		return views.EditorData{}, err
	}
	open, err := s.cfg.Store.CountOpenSessions(ctx, id)
	if err != nil {
		return views.EditorData{}, err
	}
	held, err := s.countHeld(ctx, id)
	if err != nil {
		return views.EditorData{}, err
	}
	st, err := s.senderState(c, bot)
	if err != nil {
		return views.EditorData{}, err
	}
	rels, err := s.cfg.Store.Releases(ctx, id)
	if err != nil {
		return views.EditorData{}, err
	}
	family, err := s.cfg.Chatbots.Family(ctx, actor(c), bot)
	if err != nil {
		return views.EditorData{}, err
	}
	d := views.EditorData{Bot: bot, Def: def, Senders: list, OpenSessions: open, HeldSessions: held, Sender: st, Releases: rels, Family: family,
		DefaultClosedNotice: routing.DefaultClosedNotice, Revisions: chatbots.Revisions(bot, def)}
	if d.ClosedNotice, err = s.cfg.Chatbots.ClosedNotice(ctx, actor(c), id); err != nil {
		return d, err
	}
	if d.Draining, err = s.drainingSessions(c, bot); err != nil {
		return d, err
	}
	// The page shows the conversation tests' last recorded run: it never
	// runs them while it renders (SPEC §4b).
	if rbac.Can(currentUser(c).Role, rbac.ActivateChatbots) {
		if d.Plan, err = s.cfg.Lifecycle.Plan(ctx, bot); err != nil {
			return d, err
		}
		if bot.Status == store.StatusInactive {
			// The activation dialog shows the findings as part of its plan.
			d.PlanFindings, d.Tests, err = s.cfg.Chatbots.ReviewOf(ctx, bot, def)
			return d, err
		}
	}
	d.Tests, err = s.cfg.Chatbots.LastTests(ctx, bot, def)
	return d, err
}

func (s *Server) chatbotPage(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	d, err := s.editorData(c, id)
	if err != nil {
		return err
	}
	switch v := c.QueryParam("dialog"); v {
	case "", "activate", "deactivate":
		d.OpenDialog = v
	default:
		return problem.Field("dialog", "Unknown dialog %q.", v)
	}
	return s.render(c, http.StatusOK, views.EditorPage(d))
}

func (s *Server) validation(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	d, err := s.editorData(c, id)
	if err != nil {
		return err
	}
	if err := s.review(c, &d); err != nil {
		return err
	}
	if isHTMX(c) {
		return s.render(c, http.StatusOK, views.ValidationPanel(d))
	}
	return s.render(c, http.StatusOK, views.EditorPage(d))
}

// review fills the validation panel: the findings, with those of the
// conversation tests from their last recorded run (none is run here).
func (s *Server) review(c echo.Context, d *views.EditorData) error {
	var err error
	d.Findings, d.Tests, err = s.cfg.Chatbots.ReviewOf(c.Request().Context(), d.Bot, d.Def)
	d.Validated = err == nil
	return err
}

// edit applies one editor change. form names the form it came from, so a
// refusal shows next to it; anchor is where a plain post lands afterwards;
// part is what the change touches (see chatbots.Edit), "" for the whole
// chatbot.
func (s *Server) edit(c echo.Context, form, anchor, part string, apply func(*chatbots.Settings, *chatbot.Definition) (string, error)) error {
	return s.editKeeping(c, form, anchor, part, nil, apply)
}

// editKeeping is edit that, when the change is refused, lets keep put what
// was submitted back into the page, so that nothing typed is lost.
func (s *Server) editKeeping(c echo.Context, form, anchor, part string, keep func(*views.EditorData), apply func(*chatbots.Settings, *chatbot.Definition) (string, error)) error {
	return s.editFocusing(c, form, func() string { return anchor }, false, part, keep, apply)
}

// editFocusing is editKeeping whose anchor is known once the change is
// made (anchor is called after a save); with focus, the saved page also
// brings it into view and focuses it (an htmx save: the editor's
// data-focus; a plain one: the address's fragment).
func (s *Server) editFocusing(c echo.Context, form string, anchorOf func() string, focus bool, part string, keep func(*views.EditorData), apply func(*chatbots.Settings, *chatbot.Definition) (string, error)) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := strconv.ParseInt(formValue(c, "version"), 10, 64)
	if err != nil {
		return problem.New(problem.Invalid, "version", "The form has no version; reload the page and try again.")
	}
	_, err = s.cfg.Chatbots.Update(c.Request().Context(), actor(c), id, chatbots.Edit{
		Version: version, Part: part, Revision: formValue(c, "revision"), Apply: apply})
	p, refused := problem.As(err)
	if err != nil && (!refused || p.Kind == problem.NotFound && p.Code == chatbots.CodeNotFound || p.Kind == problem.Forbidden || p.Kind == problem.Unauthorized) {
		return err
	}
	d, lerr := s.editorData(c, id)
	if lerr != nil {
		return lerr
	}
	status := http.StatusOK
	if refused {
		d.Error, d.FailedForm, d.ErrorField, status = p.Message, form, p.Field, statusOf(p.Kind)
		var cf *chatbots.Conflict
		if errors.As(err, &cf) {
			d.Conflict = &views.Conflict{Dialog: cf.Dialog, Theirs: cf.Theirs}
		}
		if p.Code == chatbots.ErrStale.Code || p.Code == chatbots.CodeNotEditable {
			d.FailedForm = ""
		}
		if keep != nil {
			keep(&d)
		}
	}
	anchor := anchorOf()
	if isHTMX(c) {
		if !refused {
			toast(c, "ok", "Saved.")
			if focus {
				d.Focus = anchor
			}
		}
		return s.render(c, status, views.Editor(d))
	}
	if !refused {
		return redirect(c, d.Base()+"#"+anchor)
	}
	return s.render(c, status, views.EditorPage(d))
}

func (s *Server) editSettings(c echo.Context) error {
	minutes, err := strconv.Atoi(strings.TrimSpace(formValue(c, "timeout_minutes")))
	if err != nil {
		minutes = -1 // refused by the service with a clear message
	}
	var sender int64
	if v := formValue(c, "sender_id"); v != "" {
		if sender, err = strconv.ParseInt(v, 10, 64); err != nil {
			sender = -1
		}
	}
	if minutes < 0 || minutes > int(chatbots.MaxTimeout/time.Minute) {
		minutes = -1 // out of range: refused by the service, without overflow
	}
	in := chatbots.Settings{
		Name: formValue(c, "name"), Language: formValue(c, "language"), Channel: formValue(c, "channel"),
		SenderID: sender, SessionTimeout: time.Duration(minutes) * time.Minute,
	}
	return s.edit(c, "settings", "settings", chatbots.PartSettings, func(set *chatbots.Settings, def *chatbot.Definition) (string, error) {
		// The form shows whole minutes: an unchanged field keeps a timeout
		// set in seconds (through the API or an import) as it was.
		if minutes == int(set.SessionTimeout/time.Minute) {
			in.SessionTimeout = set.SessionTimeout
		}
		return chatbots.SetSettings(in)(set, def)
	})
}

func (s *Server) addAttribute(c echo.Context) error {
	return s.edit(c, "attributes", "attributes", chatbots.MergesAnywhere, chatbots.AddAttribute(formValue(c, "name"), formValue(c, "type")))
}

func (s *Server) removeAttribute(c echo.Context) error {
	return s.edit(c, "attributes", "attributes", chatbots.MergesAnywhere, chatbots.RemoveAttribute(c.Param("name")))
}

// addDialog adds a dialog; the page then shows the new dialog's form,
// brought into view and focused.
func (s *Server) addDialog(c echo.Context) error {
	added := ""
	add := chatbots.AddDialog(formValue(c, "name"))
	return s.editFocusing(c, "dialogs", func() string {
		if added == "" {
			return "dialogs"
		}
		return "dialog-" + added
	}, true, chatbots.MergesAnywhere, nil, func(set *chatbots.Settings, def *chatbot.Definition) (string, error) {
		summary, err := add(set, def)
		if err == nil {
			added = def.Dialogs[len(def.Dialogs)-1].ID
		}
		return summary, err
	})
}

func (s *Server) renameDialog(c echo.Context) error {
	d := c.Param("dialog")
	return s.edit(c, "dialog-"+d, "dialog-"+d, chatbots.DialogPart(d), chatbots.RenameDialog(d, formValue(c, "name")))
}

func (s *Server) deleteDialog(c echo.Context) error {
	d := c.Param("dialog")
	return s.edit(c, "dialog-"+d, "dialogs", chatbots.DialogPart(d), chatbots.DeleteDialog(d))
}

func (s *Server) setEntry(c echo.Context) error {
	d := c.Param("dialog")
	return s.edit(c, "dialog-"+d, "dialog-"+d, chatbots.MergesAnywhere, chatbots.SetEntry(d))
}

func (s *Server) setFallback(c echo.Context) error {
	d := c.Param("dialog")
	target := d
	if c.QueryParam("unset") != "" {
		target = ""
	}
	return s.edit(c, "dialog-"+d, "dialog-"+d, chatbots.MergesAnywhere, chatbots.SetFallback(target))
}

func (s *Server) addElement(c echo.Context) error {
	d, typ := c.Param("dialog"), formValue(c, "type")
	form := "add-" + d + "-" + typ
	return s.editKeeping(c, form, "dialog-"+d, chatbots.DialogPart(d), keepElement(c),
		func(set *chatbots.Settings, def *chatbot.Definition) (string, error) {
			if dl, _ := def.DialogByID(d); dl == nil {
				// Refused before a new target dialog is made for it.
				return chatbots.AddElement(d, chatbot.Element{Type: typ})(set, def)
			}
			nt := chatbots.NewTargetsIn(def)
			el, err := elementFromForm(c, typ, nt)
			if err != nil {
				return "", err
			}
			created, err := newAttribute(c, &el, set, def)
			if err != nil {
				return "", err
			}
			summary, err := chatbots.AddElement(d, el)(set, def)
			return nt.Summary() + created + summary, err
		})
}

// keepElement puts a refused element form's input back into the page.
func keepElement(c echo.Context) func(*views.EditorData) {
	return func(d *views.EditorData) {
		in := &views.ElementInput{
			Text: formValue(c, "text"), Attribute: formValue(c, "attribute"), RetryText: formValue(c, "retry_text"),
			MaxTries: formValue(c, "max_tries"), Operator: formValue(c, "operator"),
			Value: formValue(c, "value"), Dialog: formValue(c, "dialog"), NewDialog: formValue(c, "dialog_new"),
			NewAttribute: formValue(c, "new_attribute"), NewAttributeType: formValue(c, "new_attribute_type"),
			Fuzzy: formValue(c, "fuzzy") != "",
			Queue: formValue(c, "queue"), Note: formValue(c, "note"),
		}
		// The rows as sent, but for empty ones at the end: a refusal names
		// a row by its number.
		for _, r := range optionRows(c) {
			in.Options = append(in.Options, views.OptionInput{Label: r.Label, Dialog: r.Dialog, NewDialog: r.NewDialog})
		}
		for len(in.Options) > 0 && in.Options[len(in.Options)-1] == (views.OptionInput{}) {
			in.Options = in.Options[:len(in.Options)-1]
		}
		for _, r := range branchRows(c) {
			in.Branches = append(in.Branches, views.BranchInput{Keywords: r.Keywords, Dialog: r.Dialog, NewDialog: r.NewDialog})
		}
		for len(in.Branches) > 0 && in.Branches[len(in.Branches)-1] == (views.BranchInput{}) {
			in.Branches = in.Branches[:len(in.Branches)-1]
		}
		d.Submitted = in
	}
}

// newAttribute creates the attribute a question's form names in its "New
// attribute" fields, in the same edit, and stores the answer in it. It
// returns what it did for the audit summary.
func newAttribute(c echo.Context, el *chatbot.Element, set *chatbots.Settings, def *chatbot.Definition) (string, error) {
	name := strings.TrimSpace(formValue(c, "new_attribute"))
	if el.Type != chatbot.ElementQuestion || name == "" {
		return "", nil
	}
	typ := formValue(c, "new_attribute_type")
	if typ == "" {
		typ = chatbot.AttributeText
	}
	summary, err := chatbots.AddAttribute(name, typ)(set, def)
	if err != nil {
		return "", err
	}
	el.Attribute = name
	return summary + "; ", nil
}

func elementIndex(c echo.Context) (int, error) {
	i, err := strconv.Atoi(c.Param("idx"))
	if err != nil || i < 0 {
		return 0, problem.New(problem.NotFound, "element_not_found", "There is no element %q.", c.Param("idx"))
	}
	return i, nil
}

func (s *Server) updateElement(c echo.Context) error {
	d := c.Param("dialog")
	i, err := elementIndex(c)
	if err != nil {
		return err
	}
	anchor := views.ElementAnchor(d, i)
	return s.editKeeping(c, anchor, anchor, chatbots.DialogPart(d), keepElement(c), func(set *chatbots.Settings, def *chatbot.Definition) (string, error) {
		dl, _ := def.DialogByID(d)
		if dl == nil || i >= len(dl.Elements) {
			return chatbots.UpdateElement(d, i, chatbot.Element{})(set, def)
		}
		nt := chatbots.NewTargetsIn(def)
		el, err := elementFromForm(c, dl.Elements[i].Type, nt)
		if err != nil {
			return "", err
		}
		created, err := newAttribute(c, &el, set, def)
		if err != nil {
			return "", err
		}
		summary, err := chatbots.UpdateElement(d, i, el)(set, def)
		return nt.Summary() + created + summary, err
	})
}

func (s *Server) removeElement(c echo.Context) error {
	d := c.Param("dialog")
	i, err := elementIndex(c)
	if err != nil {
		return err
	}
	return s.edit(c, "dialog-"+d, "dialog-"+d, chatbots.DialogPart(d), chatbots.RemoveElement(d, i))
}

func (s *Server) moveElement(c echo.Context) error {
	d := c.Param("dialog")
	i, err := elementIndex(c)
	if err != nil {
		return err
	}
	delta := 1
	if c.QueryParam("dir") == "up" {
		delta = -1
	}
	return s.edit(c, "dialog-"+d, views.ElementAnchor(d, i+delta), chatbots.DialogPart(d), chatbots.MoveElement(d, i, delta))
}

// branchRows are the rows of a keywords element's form: the i-th value of
// each of its fields.
func branchRows(c echo.Context) []chatbots.BranchRow {
	_ = c.Request().PostFormValue("branch_keywords") // parses the form
	form := c.Request().PostForm
	kw, to, names := form["branch_keywords"], form["branch_dialog"], form["branch_dialog_new"]
	at := func(list []string, i int) string {
		if i < len(list) {
			return strings.TrimSpace(list[i])
		}
		return ""
	}
	rows := make([]chatbots.BranchRow, 0, len(kw))
	for i := range max(len(kw), len(to)) {
		rows = append(rows, chatbots.BranchRow{Keywords: at(kw, i), Dialog: at(to, i), NewDialog: at(names, i)})
	}
	return rows
}

// elementFromForm reads an element of type typ from the form; a target
// chosen as "New dialog…" is made with nt.
func elementFromForm(c echo.Context, typ string, nt *chatbots.NewTargets) (chatbot.Element, error) {
	el := chatbot.Element{Type: typ}
	switch typ {
	case chatbot.ElementMessage, chatbot.ElementClose:
		el.Text = strings.TrimSpace(formValue(c, "text"))
	case chatbot.ElementHandover:
		el.Text = strings.TrimSpace(formValue(c, "text"))
		el.Queue = strings.TrimSpace(formValue(c, "queue"))
		el.Note = strings.TrimSpace(formValue(c, "note"))
	case chatbot.ElementQuestion:
		el.Text = strings.TrimSpace(formValue(c, "text"))
		el.Attribute = formValue(c, "attribute")
		if el.Attribute == "" {
			// A new attribute named in the same form (see newAttribute).
			el.Attribute = strings.TrimSpace(formValue(c, "new_attribute"))
		}
		el.RetryText = strings.TrimSpace(formValue(c, "retry_text"))
		if v := strings.TrimSpace(formValue(c, "max_tries")); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 10 {
				return el, problem.Field("max_tries", "Allow between 1 and 10 tries.")
			}
			el.MaxTries = n
		}
	case chatbot.ElementKeywords:
		branches, err := chatbots.BranchesFromRows(branchRows(c), nt)
		if err != nil {
			return el, err
		}
		el.Branches = branches
		el.Fuzzy = formValue(c, "fuzzy") != ""
	case chatbot.ElementButtons:
		el.Text = strings.TrimSpace(formValue(c, "text"))
		options, err := chatbots.OptionsFromRows(optionRows(c), nt)
		if err != nil {
			return el, err
		}
		el.Options = options
	case chatbot.ElementCondition:
		el.Attribute, el.Operator, el.Value = formValue(c, "attribute"), formValue(c, "operator"), formValue(c, "value")
		fallthrough
	case chatbot.ElementGoto:
		if err := chatbots.CheckElement(el); err != nil && !isField(err, "dialog") {
			return el, err // the other fields first: no dialog is made for a refused save
		}
		to, err := nt.Resolve(formValue(c, "dialog"), formValue(c, "dialog_new"), "dialog")
		if err != nil {
			return el, err
		}
		el.Dialog = to
	}
	return el, chatbots.CheckElement(el)
}

func (s *Server) duplicateChatbot(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	bot, err := s.cfg.Chatbots.Duplicate(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	s.flash(c, "ok", "Duplicated as "+bot.Name+". This copy is inactive and editable.")
	return redirect(c, "/chatbots/"+itoa(bot.ID))
}

func (s *Server) exportChatbot(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	data, bot, err := s.cfg.Chatbots.Export(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	name := strings.Trim(nonFile.ReplaceAllString(strings.ToLower(bot.Name), "-"), "-")
	if name == "" {
		name = "chatbot"
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+name+`.chatbot.json"`)
	return c.Blob(http.StatusOK, "application/json", data)
}

var nonFile = regexp.MustCompile(`[^a-z0-9]+`)

// readUpload reads the uploaded file of field name, refusing one over the
// definition size limit.
func readUpload(c echo.Context, name string) ([]byte, error) {
	fh, err := c.FormFile(name)
	if err != nil {
		return nil, problem.Field(name, "Choose a chatbot export file (.json) to import.")
	}
	if fh.Size > chatbot.MaxDefinitionBytes {
		return nil, problem.New(problem.Invalid, "import_too_large", "The file is larger than %d KiB.", chatbot.MaxDefinitionBytes/1024)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, chatbot.MaxDefinitionBytes+1))
}

func (s *Server) importChatbot(c echo.Context) error {
	data, err := readUpload(c, "file")
	if err == nil {
		var bot store.Chatbot
		if bot, err = s.cfg.Chatbots.Import(c.Request().Context(), actor(c), data); err == nil {
			s.flash(c, "ok", bot.Name+" imported. It is inactive and has no sender yet.")
			return redirect(c, "/chatbots/"+itoa(bot.ID))
		}
	}
	p, ok := problem.As(err)
	if !ok {
		return err
	}
	d, lerr := s.chatbotListData(c, views.ChatbotQuery{Sort: "name", Page: 1, PerPage: chatbotsPerPage})
	if lerr != nil {
		return lerr
	}
	d.ImportError = p.Message
	return s.render(c, statusOf(p.Kind), views.ChatbotsPage(d))
}

func isField(err error, field string) bool {
	p, ok := problem.As(err)
	return ok && p.Field == field
}

// setHandoverTimeout is POST /chatbots/:id/handover-timeout: how long a
// conversation handed to people waits, and what happens then (SPEC §11).
func (s *Server) setHandoverTimeout(c echo.Context) error {
	in := views.HandoverInput{Minutes: strings.TrimSpace(formValue(c, "handover_timeout")),
		OnTimeout: formValue(c, "handover_on_timeout"), Text: formValue(c, "handover_timeout_text")}
	minutes, err := strconv.Atoi(in.Minutes)
	if err != nil {
		minutes = -1 // refused with the range
	}
	keep := func(d *views.EditorData) { d.HandoverInput = &in }
	return s.editKeeping(c, "handover", "handover", chatbots.MergesAnywhere, keep, chatbots.SetHandoverTimeout(minutes, in.OnTimeout, in.Text))
}
